// Review requests: what someone who hit the block page asks for ("this should not be
// blocked"), and what staff ask for ("please block this site"), with the decision of the
// agency's e-safety officer. Approving a request writes an override version
// (override_versions.h), which every enforcement point picks up.
//
// Requests from the block page need no sign-in, so everything they carry is validated and
// capped, each client address may make only a few an hour, and the requester gets back a
// reference (random, unguessable) that shows the request's status and nothing else. The
// site and agency a request belongs to come from the client's address (the directory's
// site ranges), never from what the request says. An address on a mandatory list
// (illegal content) is never stored and never allowed.
//
// Thread-safety: as the Database; a ReviewRequests is cheap to make per call.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "access/access.h"
#include "core/result.h"
#include "filter/mandatory_lists.h"
#include "store/database.h"
#include "store/keyset.h"

namespace esafe::enforce {

struct ReviewLimits {
  int64_t per_client_per_hour = 10;  // requests from one address in any hour
  size_t max_url_bytes = 2048;
  size_t max_note_chars = 1000;
  size_t max_contact_chars = 200;
};

class ReviewRequests {
 public:
  // `mandatory` may be null (the lists could not be loaded): then requests are still
  // taken, but no allow is approved, since it could not be checked.
  ReviewRequests(store::Database& db, std::shared_ptr<const filter::MandatoryLists> mandatory,
                 ReviewLimits limits = {})
      : db_(db), mandatory_(std::move(mandatory)), limits_(limits) {}

  // A request to unblock from the block page, by anyone. `body` holds url (required),
  // category, profile, reason, list_version (as the block page passed them), note and
  // contact (optional); nothing else. Returns {reference, status, url, …} as Status does.
  // Invalid naming the field; Throttled once the address has made too many requests.
  Result<Json> SubmitFromBlockPage(const Json& body, const std::string& client_ip);

  // A request by a signed-in member of staff: kind "unblock" or "block", url, note.
  // The request belongs to the staff member's agency.
  Result<Json> SubmitAsStaff(const access::Principal& actor, const Json& body);

  // What the requester may see of the request with `reference`: reference, kind, url,
  // status, created_at, decided_at and the officer's reason. NotFound otherwise.
  Result<Json> Status(std::string_view reference);

  // The requests `actor` may see, newest first: a partnership manager all, an agency
  // officer their agency's, other staff those they made. `status` filters
  // ("pending", "approved", "declined").
  // ListPage reads one page of them (keyset by id); List every page.
  Result<store::Page> ListPage(const access::Principal& actor, const std::optional<std::string>& status,
                               const store::PageQuery& page);
  Result<Json> List(const access::Principal& actor, const std::optional<std::string>& status);

  // Approves a pending request: body {reason (required), scope: "url" | "domain"
  // (default "url"), agency_id (only for a request no agency's address range held)}.
  // Writes the override version, marks the request approved, audits both. Forbidden unless
  // `actor` is the agency's officer or a partnership manager; Conflict when it is no longer
  // pending; Invalid (field "url") when the address is on a mandatory list.
  Result<Json> Approve(const access::Principal& actor, int64_t id, const Json& body);

  // Declines a pending request with body {reason}; audited.
  Result<Json> Decline(const access::Principal& actor, int64_t id, const Json& body);

 private:
  store::Database& db_;
  std::shared_ptr<const filter::MandatoryLists> mandatory_;
  ReviewLimits limits_;
};

}  // namespace esafe::enforce
