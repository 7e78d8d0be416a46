// Private: the on-disk encodings of the journal. Both formats are frozen
// (version byte first); str = varint byte length + bytes.
//
// Entry body, format 1:
//   u8 version = 1, str event_type, description, source_system, source_id,
//   message_id, varint posting count, then per posting:
//   str account, str currency (ISO code), zigzag-varint amount (minor units),
//   str order_id, channel, location, gateway, customer, payout, memo
//
// Segment (one row of ledger_segments: consecutive entries written by one
// commit), format 1:
//   u8 version = 1, then per entry in id order: varint record length, record =
//   str idempotency_key, zigzag-varint effective_at (µs since the epoch),
//   str correlation_id, varint reverses_entry_id (0 = none), entry body.
// The first entry's id is the row's first_id; the rest follow without gaps.
// Thread-compatible.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "ledger/entry.h"
#include "ledger/journal.h"
#include "store/store.h"

namespace hub::ledger::internal {

constexpr std::uint8_t kPostingsFormatV1 = 1;
constexpr std::uint8_t kSegmentFormatV1 = 1;

// The fields of the draft that are not in the segment record's header.
void EncodeBody(const EntryDraft& d, std::string& out);
Status DecodeBody(std::string_view blob, EntryDraft& d);

// Starts a segment in `out` (clearing it); AppendSegmentEntry adds the next
// entry (scratch is a reused buffer).
void BeginSegment(std::string& out);
void AppendSegmentEntry(const EntryDraft& d, std::string& segment, std::string& scratch);
// The records of a segment as (offset, size) into the blob, in id order.
using RecordSpan = std::pair<std::uint32_t, std::uint32_t>;
Status SplitSegment(std::string_view blob, std::vector<RecordSpan>& records);
Status DecodeSegmentEntry(std::string_view record, EntryDraft& d);

// Calls fn(id, draft) for every stored entry with id >= from_id (a segment's
// first id, or 1), in id order; stops at fn's first error.
Status ScanEntries(store::Connection& conn,
                   const std::function<Status(std::int64_t, EntryDraft&)>& fn,
                   std::int64_t from_id = 1);

// Journals written before segments kept one row per entry in ledger_entries;
// Journal::Open converts them. Column list and row reader of that table.
inline constexpr std::string_view kLegacyEntryColumns =
    "id, idempotency_key, effective_at, correlation_id, reverses_entry_id, body";
Result<StoredEntry> ReadLegacyEntryRow(const store::Statement& row);

}  // namespace hub::ledger::internal
