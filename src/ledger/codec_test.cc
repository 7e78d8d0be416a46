// The entry body format is on disk: it must round-trip every field, and a
// truncated or altered blob must be reported as corrupt, never misread.
#include <gtest/gtest.h>

#include "ledger/codec_internal.h"

namespace hub::ledger::internal {
namespace {

EntryDraft Sample() {
  EntryDraft d;
  d.event_type = "fulfillment.created";
  d.description = "fulfillment #1";
  d.source_system = "shopify";
  d.source_id = "gid://1";
  d.message_id = "m-1";
  Posting p;
  p.account = "2300";
  p.amount = Money(-123456789, *Currency::FromCode("JPY"));
  p.dims = {"o1", "web", "JKT-01", "stripe", "c1", "po_1"};
  p.memo = "gross";
  d.postings = {p, p};
  d.postings[1].amount = Money(123456789, *Currency::FromCode("JPY"));
  return d;
}

TEST(CodecTest, RoundTripsEveryField) {
  const EntryDraft d = Sample();
  std::string blob;
  EncodeBody(d, blob);
  EntryDraft back;
  ASSERT_TRUE(DecodeBody(blob, back));
  EXPECT_EQ(back, d);
}

TEST(CodecTest, TruncationAndTrailingBytesAreCorrupt) {
  std::string blob;
  EncodeBody(Sample(), blob);
  for (std::size_t n = 0; n < blob.size(); ++n) {
    EntryDraft d;
    auto r = DecodeBody(std::string_view(blob).substr(0, n), d);
    ASSERT_FALSE(r) << "prefix " << n;
    EXPECT_NE(r.error().message.find("corrupt"), std::string::npos);
  }
  EntryDraft d;
  EXPECT_FALSE(DecodeBody(blob + "x", d));
}

TEST(CodecTest, UnknownVersionIsCorrupt) {
  std::string blob;
  EncodeBody(Sample(), blob);
  blob[0] = 9;
  EntryDraft d;
  auto r = DecodeBody(blob, d);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("version 9"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace hub::ledger::internal
