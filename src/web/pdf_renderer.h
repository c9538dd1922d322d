// Renders an HTML page to PDF with headless Chromium (--print-to-pdf).
//
// The page is written, with everything it needs inlined, to a private
// temporary directory and Chromium prints that file. Chromium is never pointed
// at the server: no session or short-lived token is minted for it (an argument
// on a command line is readable by every local user through /proc), it makes
// no network request, so it cannot be steered at another address, and it
// works whatever address, TLS or proxy the server sits behind. The page's own
// Content-Security-Policy (RenderBoardReportPage, standalone) forbids scripts
// and every fetch; Chromium's scriptEnabled=false switch is not used because
// it stops --print-to-pdf from writing anything.
//
// Thread-safe; at most a few renders run at once, others are refused.
#pragma once

#include <optional>
#include <string>

#include "core/result.h"

namespace esafe::web {

// The Chromium to run: $ESAFE_CHROMIUM when set, else the first of
// /usr/bin/chromium, /usr/bin/chromium-browser, /usr/bin/google-chrome that is
// executable; nullopt when there is none.
std::optional<std::string> FindChromium();

// The PDF bytes of `html`. Errors: Conflict when Chromium is absent (the message
// says how to install it), Throttled when too many renders are running,
// Internal when Chromium fails or takes longer than `timeout_seconds`.
Result<std::string> RenderPdf(const std::string& html, int timeout_seconds = 60);

}  // namespace esafe::web
