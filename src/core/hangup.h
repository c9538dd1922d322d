// OnHangup: work to do when the process gets SIGHUP, the signal `systemctl reload` sends
// (ExecReload=/bin/kill -HUP $MAINPID) and logrotate's postrotate scripts send.
//
// Each long-running command registers what it reloads (policy, term libraries, a log file
// to reopen). The first call installs a SIGHUP handler that only wakes one thread of its
// own (a byte down a pipe, all a handler may safely do), and that thread runs every
// registration in registration order. So any thread may take the signal, threads started
// before the call included, and a callback may lock, allocate and log. A callback that
// fails should log why and keep what is in force: a reload must never end the process.
// Signals that arrive while the callbacks run are coalesced into one more run.
//
// Thread-safety: OnHangup may be called from any thread; the callbacks run one at a time.
#pragma once

#include <cstdint>
#include <functional>

namespace esafe::hangup {

// Runs `reload` on each SIGHUP from now on, for the life of the process.
void OnHangup(std::function<void()> reload);

}  // namespace esafe::hangup
