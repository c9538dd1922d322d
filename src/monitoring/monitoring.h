// monitoring: early warning over the activity log. Rules run over the stream of
// filtering decisions and raise alerts that an agency's e-safety officer triages
// into an incident, marks a false positive or dismisses (seeds 004 Section 3
// 'Monitoring and reporting': "tracking and identifying trends in advance of
// e-safety issues arising"; 000: "unacceptable content hits are recorded and action
// evaluated").
//
// Read this header first. The pieces, in the order an event meets them:
//
//   TermLibrary      risky search terms by risk (self-harm and suicide, grooming,
//                    bullying, radicalisation, weapons, drugs) as YAML data the
//                    partnership extends (data/monitoring/terms/*.yaml).
//   ExtractSearch    the words a child typed, from a search-engine or video-site URL.
//   TermMatcher      every term of every library compiled into one Hyperscan database,
//                    tolerant of case, spacing, repeated letters and digits for letters.
//   TermsInForce     the matcher in force; a failed reload leaves it in force.
//   Monitor          the rules, evaluated as events stream past in time order, with
//                    bounded state; emits AlertDrafts.
//   AlertLog         alerts in the database: the events behind each by reference
//                    (time, client, stream position; never a copy), their state,
//                    every change audited, scoped to the agency.
//   SmtpClient,      e-mail to the agency's recipients: the most severe at once,
//   Notifier         the rest in a digest.
//
// Thread-safety: TermLibrary, TermMatcher and the free functions are immutable or
// stateless and safe from many threads. TermsInForce is safe from many threads. A
// Monitor is used by one thread at a time. AlertLog and Notifier hold only a reference
// to the Database and are safe from many threads; SmtpClient is one connection's worth
// of state, safe from one thread at a time.
//
// Errors travel as Result values; nothing here throws across this interface.
#pragma once
//
// The interface, one header per concept (include this one for all of them):
//   monitoring/severity.h                How severe an alert or a term is.
//   monitoring/term_library.h            Term libraries of risky search terms (data/monitoring/terms/*.yaml).
//   monitoring/search_terms.h            The words a child typed, from a search-engine or video-site URL.
//   monitoring/term_matcher.h            Every term compiled into one Hyperscan database, and the matcher in force.
//   monitoring/rule_settings.h           The rules and their thresholds (rules YAML).
//   monitoring/monitor.h                 The rules evaluated over the stream of events, emitting alert drafts.
//   monitoring/alert_log.h               Alerts in the database (migrations 8 and 12), their state and triage.
//   monitoring/smtp_client.h             SMTP settings and a minimal SMTP client.
//   monitoring/notifier.h                E-mail of alerts to the agencies' recipients: at once or in a digest.
//   monitoring/log_run.h                 Running the rules over the activity log once (esafe monitor run).
//   monitoring/live_monitor.h            Running the rules on events as they are ingested.
#pragma once

// The standard headers this file brought before it was split, which its includers use.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "monitoring/severity.h"
#include "monitoring/term_library.h"
#include "monitoring/search_terms.h"
#include "monitoring/term_matcher.h"
#include "monitoring/rule_settings.h"
#include "monitoring/monitor.h"
#include "monitoring/alert_log.h"
#include "monitoring/smtp_client.h"
#include "monitoring/notifier.h"
#include "monitoring/log_run.h"
#include "monitoring/live_monitor.h"
