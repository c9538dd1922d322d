// Matching a query, shared by LogReader's search (search.cc) and its count. Internal to
// src/activity. Every function takes the query normalised (host lower-cased).
#pragma once

#include <cstdint>
#include <vector>

#include "activity/internal.h"

namespace esafe::activity::internal {

bool EventMatches(const ActivityEvent& e, const Query& q);

// False when no event the index describes can match `q`, so the segment is skipped.
bool IndexMayMatch(const SegmentIndex& idx, const Query& q);

// Narrows `rows` (segment-wide row numbers, in time order) to those matching `q`,
// block by block: a block is skipped by its time and address ranges and, for a host
// filter, by the host postings; within a block only the columns the filters need are
// decompressed, and a filter that rejects every row stops the block.
Result<void> FilterSegment(SegmentData& seg, const Query& q, std::vector<uint32_t>& rows);

}  // namespace esafe::activity::internal
