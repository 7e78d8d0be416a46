// A restart rebuilds the resolver from the applied customer events and the
// recorded steward actions; each action must be replayed where it happened
// among the events, or the rebuilt clusters differ from the ones the hub
// had: here an erasure replayed after every event swept a later namesake of
// the erased person into the erasure.
#include <gtest/gtest.h>

#include "app/domains.h"
#include "app/store_test_base.h"
#include "core/model_json.h"
#include "testing/testing.h"

namespace hub::app {
namespace {

class IdentityRebuildTest : public StoreTestBase {
 protected:
  void SetUp() override {
    OpenStore(/*with_domains=*/true);
    live_.resolver = std::make_unique<identity::Resolver>();
  }

  // One customer.upserted the identity domain applied: into the live
  // resolver and into bus_work, as the bus does.
  void Apply(const std::string& id) {
    Customer c;
    c.first_name = "Ana";
    c.last_name = "Souza";
    c.phones = {"+14155550134"};
    c.emails = {"ana.souza@example.com"};
    c.lineage.source_system = "square";
    c.lineage.source_id = id;
    Event e;
    e.type = "customer.upserted";
    e.event_id = "evt_" + id;
    e.key = "customer:square:" + id;
    e.correlation_id = "cor_" + id;
    e.source = {"square", "m", id};
    e.data = ToJson(c);
    ++seq_;
    {
      std::lock_guard l(live_.mu);
      ASSERT_TRUE(ApplyIdentityEvent(live_, e, nullptr));
      live_.resolver->DrainEvents();
    }
    InsertDoneWork("identity", e, seq_);
  }

  static identity::CustomerId Id(const std::string& s) {
    return identity::CustomerId{std::stoull(s.substr(4))};  // "cus_N"
  }

  std::string ClusterOf(IdentityDomain& d, const std::string& id) {
    auto c = d.resolver->ClusterOf({"square", id});
    return c ? c->ToString() : "(" + c.error().ToString() + ")";
  }

  IdentityDomain live_;
  std::int64_t seq_ = 0;
};

TEST_F(IdentityRebuildTest, AnErasureIsReplayedWhereItHappenedNotAfterLaterRecords) {
  Apply("SQ-1");
  const std::string erased = ClusterOf(live_, "SQ-1");
  {
    std::lock_guard l(live_.mu);
    ASSERT_TRUE(live_.resolver->Erase(Id(erased)));
    ASSERT_TRUE(RecordStewardAction(*store_, "erase", erased, "", "steward", SystemClock::Get()));
  }
  // The same name, phone and e-mail arrive again after the erasure: a new
  // customer, not the erased one.
  Apply("SQ-2");
  const std::string later = ClusterOf(live_, "SQ-2");
  ASSERT_NE(later, erased);
  ASSERT_FALSE(live_.resolver->Golden(Id(later))->erased);
  ASSERT_EQ(live_.resolver->Golden(Id(later))->members.size(), 1u);

  IdentityDomain rebuilt;
  rebuilt.resolver = std::make_unique<identity::Resolver>();
  ASSERT_TRUE(RebuildIdentity(rebuilt, *conn_));
  EXPECT_EQ(ClusterOf(rebuilt, "SQ-2"), later);
  auto golden = rebuilt.resolver->Golden(Id(later));
  ASSERT_TRUE(golden) << golden.error().ToString();
  EXPECT_FALSE(golden->erased) << "the restart erased a customer who arrived after the erasure";
  const auto& phone = golden->values.at(static_cast<std::size_t>(identity::Field::kPhone));
  ASSERT_TRUE(phone.has_value());
  EXPECT_EQ(phone->value, "+14155550134");
}

}  // namespace
}  // namespace hub::app
