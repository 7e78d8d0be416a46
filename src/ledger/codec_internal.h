// Private: the on-disk encoding of an entry body and the shared row reader
// for ledger_entries. The body format is frozen (version byte first):
//   u8 version = 1, str event_type, description, source_system, source_id,
//   message_id, varint posting count, then per posting:
//   str account, str currency (ISO code), zigzag-varint amount (minor units),
//   str order_id, channel, location, gateway, customer, payout, memo
// where str = varint byte length + bytes. Thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "ledger/entry.h"
#include "ledger/journal.h"
#include "store/store.h"

namespace hub::ledger::internal {

constexpr std::uint8_t kPostingsFormatV1 = 1;

// The fields of the draft that are not columns of ledger_entries.
void EncodeBody(const EntryDraft& d, std::string& out);
Status DecodeBody(std::string_view blob, EntryDraft& d);

// Column list for SELECT … FROM ledger_entries; ReadEntryRow reads it.
inline constexpr std::string_view kEntryColumns =
    "id, idempotency_key, effective_at, correlation_id, reverses_entry_id, body";
Result<StoredEntry> ReadEntryRow(const store::Statement& row);

}  // namespace hub::ledger::internal
