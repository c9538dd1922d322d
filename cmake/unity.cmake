# Unity build exceptions (ESAFE_UNITY, see the top CMakeLists.txt).
#
# A unity batch compiles several .cc files as one, so two file-local helpers of the same
# name (in anonymous namespaces) in one target clash. Where renaming the helpers is not
# wanted, the target is split into groups instead: the files named in one argument go
# into one group, files in different arguments never share one, and every other source
# of the target (none of which clashes with anything) is dealt round the groups.
#
#   esafe_unity_groups(<target> "<file> <file>..." "<file>..." ...)
#
# File names are relative to the directory that made the target. A name that is not a
# source of the target is an error, so that a renamed file cannot quietly drop out.
function(esafe_unity_groups target)
  get_target_property(dir ${target} SOURCE_DIR)
  get_target_property(sources ${target} SOURCES)
  set(grouped "")
  set(count 0)
  foreach(group IN LISTS ARGN)
    separate_arguments(files UNIX_COMMAND "${group}")
    foreach(file IN LISTS files)
      set(path ${dir}/${file})
      if(NOT path IN_LIST sources)
        message(FATAL_ERROR "esafe_unity_groups(${target}): ${file} is not one of its sources")
      endif()
      set_source_files_properties(${path} DIRECTORY ${dir} PROPERTIES UNITY_GROUP ${target}_${count})
      list(APPEND grouped ${path})
    endforeach()
    math(EXPR count "${count} + 1")
  endforeach()
  set(next 0)
  foreach(path IN LISTS sources)
    if(path MATCHES "\\.cc$" AND NOT path IN_LIST grouped)
      set_source_files_properties(${path} DIRECTORY ${dir} PROPERTIES UNITY_GROUP ${target}_${next})
      math(EXPR next "(${next} + 1) % ${count}")
    endif()
  endforeach()
  set_target_properties(${target} PROPERTIES UNITY_BUILD_MODE GROUP)
endfunction()

# URL and list helpers (LowerAscii, IsDigit, HexValue) repeated file by file.
esafe_unity_groups(esafe_filter
  "canonical_host.cc" "canonical_url.cc percent_encoding.cc" "list_snapshot.cc" "list_snapshot_builder.cc")

# src/activity is left as it is (kDayUs, NowUs, DaysFromCivil and CivilFromDays in
# several files).
if(TARGET esafe_activity)
  esafe_unity_groups(esafe_activity
    "blocked_summary.cc export.cc" "store.cc event.cc" "demo_log.cc" "pg_mirror.cc" "verify.cc")
endif()

# src/monitoring/monitor.cc keeps a struct from its anonymous namespace in a member of
# Monitor::State: fine in its own translation unit, but GCC's -Wsubobject-linkage
# rejects it once the file is included into a batch. Its tests each have a TermsDir().
if(TARGET esafe_monitoring)
  get_target_property(monitoring_dir esafe_monitoring SOURCE_DIR)
  set_source_files_properties(${monitoring_dir}/monitor.cc DIRECTORY ${monitoring_dir}
    PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
endif()
if(TARGET monitoring_test)
  esafe_unity_groups(monitoring_test
    "monitoring/alert_log_test.cc" "monitoring/live_monitor_test.cc" "monitoring/monitor_test.cc"
    "monitoring/term_library_test.cc")
endif()
