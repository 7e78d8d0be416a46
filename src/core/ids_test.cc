// StrongId value semantics and NewId format, ordering and uniqueness.
#include "core/ids.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_set>
#include <vector>

namespace hub {
namespace {

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// Different tags are different types: no accidental conversion either way.
static_assert(!std::is_convertible_v<OrderId, CustomerId>);
static_assert(!std::is_convertible_v<CustomerId, OrderId>);
static_assert(!std::is_convertible_v<std::string, OrderId>);  // explicit only
static_assert(!std::is_convertible_v<const char*, Sku>);
static_assert(std::is_constructible_v<Sku, std::string_view>);

TEST(StrongIdTest, ValueSemantics) {
  const OrderId a("ord_1");
  const OrderId b(std::string("ord_2"));
  const OrderId a2(std::string_view("ord_1"));
  EXPECT_EQ(a.value(), "ord_1");
  EXPECT_EQ(a, a2);
  EXPECT_NE(a, b);
  EXPECT_LT(a, b);
  EXPECT_TRUE(OrderId().empty());
  EXPECT_FALSE(a.empty());
  std::ostringstream os;
  os << a;
  EXPECT_EQ(os.str(), "ord_1");
}

TEST(StrongIdTest, UsableAsKeys) {
  std::unordered_set<Sku> skus = {Sku("A-1"), Sku("B-2"), Sku("A-1")};
  EXPECT_EQ(skus.size(), 2u);
  EXPECT_TRUE(skus.contains(Sku("B-2")));
  std::map<LocationId, int> by_location = {{LocationId("b"), 2}, {LocationId("a"), 1}};
  EXPECT_EQ(by_location.begin()->first.value(), "a");
  EXPECT_EQ(std::hash<AccountCode>{}(AccountCode("4000")), std::hash<std::string>{}("4000"));
}

TEST(NewIdTest, FormatIsPrefixUnderscoreAnd26Crockford) {
  const std::string id = NewId("ord");
  ASSERT_EQ(id.size(), 4 + kIdSuffixLength);
  EXPECT_EQ(id.substr(0, 4), "ord_");
  for (const char c : id.substr(4)) {
    EXPECT_NE(kCrockford.find(c), std::string_view::npos) << id;
  }
  // 48-bit time: the first character is at most '7'.
  EXPECT_LE(id[4], '7');
}

TEST(NewIdTest, TimePartEncodesTheClockMilliseconds) {
  // A fresh thread: the generator state is per thread and never goes back in
  // time, so ids made earlier on this thread would hold the time part.
  FakeClock clock(Instant{1'795'709'983'123'456});  // 2026-11-26T16:19:43.123456Z
  std::string id;
  std::thread([&] { id = NewId("cus", clock); }).join();
  std::uint64_t ms = 0;
  for (const char c : id.substr(4, 10)) {
    ms = ms * 32 + kCrockford.find(c);
  }
  EXPECT_EQ(ms, 1'795'709'983'123u);
}

TEST(NewIdTest, StrictlyIncreasingWithinAThreadEvenOnAFrozenOrBackwardClock) {
  // A fresh thread, so no earlier test (or --gtest_repeat) has moved this
  // thread's generator past the fake time.
  std::thread([] {
    FakeClock clock(Instant{1'900'000'000'000'000});
    std::vector<std::string> ids;
    for (int i = 0; i < 1000; ++i) {
      ids.push_back(NewId("msg", clock));
      if (i == 500) {
        clock.AdvanceMicros(-10'000'000);  // step back 10 s
      }
    }
    EXPECT_TRUE(std::adjacent_find(ids.begin(), ids.end(), std::greater_equal<>()) == ids.end());
    clock.AdvanceMicros(20'000'000);
    const std::string later = NewId("msg", clock);
    EXPECT_LT(ids.back(), later);
    EXPECT_GT(later.substr(4, 10), ids.back().substr(4, 10));  // time part moved on
  }).join();
}

TEST(NewIdTest, UniqueAcrossThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  std::vector<std::vector<std::string>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&made, t] {
      for (int i = 0; i < kPerThread; ++i) {
        made[static_cast<std::size_t>(t)].push_back(NewId("ent"));
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  std::set<std::string> all;
  for (const auto& v : made) {
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace hub
