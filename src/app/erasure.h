// Erasure of a person from every stored copy (GDPR art. 17 / CCPA delete).
// The resolver forgets the golden record and its members; this removes the
// person's data from what the hub keeps besides: the raw messages that
// carried their records (body and headers), every domain's translated events
// of those messages, the resolver's decision log and the steward actions
// that name their record keys. Money, SKUs, order and tender ids stay, so the
// ledger's lineage to the source message still holds, under the
// pseudonymous customer id.
//
// A restart rebuilds the resolver from the identity domain's events; those
// of an erased record no longer hold data to match on, so each carries the
// decisions the resolver took when it arrived ("hub_erased" in its data:
// the pseudonymous key and the created / linked / merged decisions), and the
// rebuild places the record as decided (Resolver::ReplayErased). Everyone
// else's customer id comes out as before.
#pragma once

#include <boost/json/fwd.hpp>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "identity/record.h"
#include "identity/resolver.h"
#include "store/store.h"

namespace hub::app {

struct IdentityDomain;

// The strings that identify a person, matched against stored strings: equal
// ignoring case and surrounding space; phone-like strings on their digits (a
// leading country code 1 ignored). Values shorter than 2 characters are
// ignored; so are country and region codes (they single nobody out).
class Redactor {
 public:
  static constexpr std::string_view kErased = "[erased]";

  void AddRecord(const identity::SourceRecord& record);
  void Add(std::string_view value);
  bool Matches(std::string_view s) const;
  // True when `text` holds one of the person's identifiers (an e-mail
  // address, or a phone number as the source wrote it): how a message or a
  // file that never reached the resolver (quarantined, dead-lettered) is
  // known to be theirs. Names alone are not enough: others share them.
  bool HoldsIdentifier(std::string_view text) const;
  // Replaces every matching string value (never a key) in `v` by kErased;
  // returns how many.
  int Redact(boost::json::value& v) const;
  // For bodies that are not JSON (CSV files): every case-insensitive
  // occurrence of a value of 4 or more characters.
  int RedactText(std::string& text) const;
  bool empty() const { return values_.empty() && phones_.empty(); }

 private:
  std::vector<std::string> values_;  // lowercased, trimmed
  std::vector<std::string> phones_;  // digits
  std::vector<std::string> texts_;   // phones as written (lowercased), for text search
};

struct ScrubCounts {
  int messages = 0;  // raw messages rewritten
  int events = 0;    // translated events rewritten (all domains)
  int values = 0;    // strings replaced
  int files = 0;     // files of the drop folder's done/ and failed/ rewritten
};

// Scrubs, in one transaction on `conn`, everything stored for the records
// `renamed` (old key -> pseudonymous key, as Resolver::Erase reports them)
// using `redactor` (built from those records before the erasure): the
// messages that carried those records, and any message not translated
// (quarantined, dead-lettered, waiting) that holds one of the person's
// identifiers.
Result<ScrubCounts> ScrubErasedRecords(
    store::Connection& conn,
    const std::vector<std::pair<identity::RecordKey, identity::RecordKey>>& renamed,
    const Redactor& redactor);

struct ErasureOutcome {
  std::vector<identity::Event> events;  // the resolver's (customer.erased)
  ScrubCounts scrubbed;
};

// Rewrites the files kept under `inbox` (<data>/inbox/<source>/done and
// failed, the drop folder's copies of what it ingested) that hold one of the
// person's identifiers. Returns how many.
Result<int> ScrubInboxFiles(const std::filesystem::path& inbox, const Redactor& redactor);

// The whole erasure of customer `id`: the resolver forgets the person, the
// steward action is recorded for the rebuild, and every stored copy is
// scrubbed, the drop folder's files under `inbox` included (empty: none).
// The caller holds d.mu.
Result<ErasureOutcome> ErasePerson(IdentityDomain& d, store::Store& store, identity::CustomerId id,
                                   std::string_view actor, const Clock& clock,
                                   const std::filesystem::path& inbox = {});

// The rebuild's side: places the erased record of an identity event whose
// data carries a "hub_erased" marker as the marker's decisions say.
Status ApplyErasedMarker(IdentityDomain& d, const boost::json::value& marker);

}  // namespace hub::app
