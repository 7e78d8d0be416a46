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

TEST(CodecTest, SegmentRoundTripsEntriesInOrder) {
  std::vector<EntryDraft> drafts = {Sample(), Sample(), Sample()};
  drafts[0].idempotency_key = "k1";
  drafts[0].correlation_id = "corr";
  drafts[0].effective_at = Instant{-5};  // before the epoch: zigzag
  drafts[1].idempotency_key = "k2";
  drafts[1].reverses_entry_id = "1";
  drafts[2].idempotency_key = "k3";
  drafts[2].effective_at = Instant{1'793'000'000'000'000};
  std::string seg;
  std::string scratch;
  BeginSegment(seg);
  for (const EntryDraft& d : drafts) {
    AppendSegmentEntry(d, seg, scratch);
  }
  std::vector<RecordSpan> records;
  ASSERT_TRUE(SplitSegment(seg, records));
  ASSERT_EQ(records.size(), drafts.size());
  for (std::size_t i = 0; i < drafts.size(); ++i) {
    EntryDraft back;
    ASSERT_TRUE(DecodeSegmentEntry(
        std::string_view(seg).substr(records[i].first, records[i].second), back));
    EXPECT_EQ(back, drafts[i]) << "entry " << i;
  }
}

// Found by ledger_segment_fuzz: a record whose reversed entry id fits an
// int64 but has 19 digits decoded, then could not be encoded back (the
// engine's ids have at most 18). It is now refused as corrupt.
TEST(CodecTest, ReversedEntryIdBeyondEighteenDigitsIsCorrupt) {
  EntryDraft d = Sample();
  d.reverses_entry_id = "999999999999999999";  // 18 digits: the largest id
  std::string seg;
  std::string scratch;
  BeginSegment(seg);
  AppendSegmentEntry(d, seg, scratch);
  std::vector<RecordSpan> records;
  ASSERT_TRUE(SplitSegment(seg, records));
  EntryDraft back;
  ASSERT_TRUE(
      DecodeSegmentEntry(std::string_view(seg).substr(records[0].first, records[0].second), back));
  EXPECT_EQ(back, d);

  // The fuzzer's record: key "k", time -1, correlation "\0\0\1", then a
  // 9-byte varint reversed id of 19 digits.
  const std::string record(
      "\x01\x6b\x01\x03\x00\x00\x01\xb3\xff\xff\xff\xb3\xff\xff\xff\x60"
      "\x01\x01\x03\x00\x00\x01\x00\x04\x00\x00\x00\x00\x00",
      29);
  auto r = DecodeSegmentEntry(record, back);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("out of range"), std::string::npos) << r.error().message;
}

TEST(CodecTest, TruncatedSegmentIsCorrupt) {
  std::string seg;
  std::string scratch;
  BeginSegment(seg);
  AppendSegmentEntry(Sample(), seg, scratch);
  AppendSegmentEntry(Sample(), seg, scratch);
  std::vector<RecordSpan> records;
  ASSERT_TRUE(SplitSegment(seg, records));
  ASSERT_EQ(records.size(), 2u);
  // Cutting at a record boundary leaves a shorter valid segment; anywhere
  // else the cut is reported.
  const std::size_t boundary = records[0].first + records[0].second;
  for (std::size_t n = 0; n < seg.size(); ++n) {
    const bool ok = SplitSegment(std::string_view(seg).substr(0, n), records).has_value();
    EXPECT_EQ(ok, n == 1 || n == boundary) << "prefix " << n;
  }
  std::string bad = seg;
  bad[0] = 7;
  auto r = SplitSegment(bad, records);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("version 7"), std::string::npos);
}

}  // namespace
}  // namespace hub::ledger::internal
