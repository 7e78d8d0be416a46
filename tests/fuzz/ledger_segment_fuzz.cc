// Fuzzes the journal's on-disk segment decoding (a corrupt or hostile
// database file): SplitSegment and DecodeSegmentEntry must reject or decode,
// never crash or read out of bounds, and whatever decodes must encode back to
// a segment that decodes to the same entry.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/codec_internal.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hub::ledger;
  const std::string_view blob(reinterpret_cast<const char*>(data), size);
  std::vector<internal::RecordSpan> records;
  if (!internal::SplitSegment(blob, records)) {
    return 0;
  }
  std::string seg;
  std::string scratch;
  for (const internal::RecordSpan& r : records) {
    if (r.first + static_cast<std::size_t>(r.second) > size) {
      std::abort();  // a record outside the blob
    }
    EntryDraft d;
    if (!internal::DecodeSegmentEntry(blob.substr(r.first, r.second), d)) {
      continue;
    }
    internal::BeginSegment(seg);
    internal::AppendSegmentEntry(d, seg, scratch);
    std::vector<internal::RecordSpan> again;
    EntryDraft back;
    if (!internal::SplitSegment(seg, again) || again.size() != 1 ||
        !internal::DecodeSegmentEntry(std::string_view(seg).substr(again[0].first, again[0].second),
                                      back) ||
        !(back == d)) {
      std::abort();  // decoded but does not round-trip
    }
  }
  return 0;
}
