// Resolver behaviour: the demo pair, explanations, the chaining guard, stable
// ids on merge, unmerge, erasure, survivorship with lineage, review queue.
#include "identity/resolver.h"

#include <gtest/gtest.h>

#include <numeric>

namespace hub::identity {
namespace {

SourceRecord Rec(const std::string& source, const std::string& id,
                 std::initializer_list<std::pair<Field, const char*>> fields,
                 std::int64_t updated_at_us = 0) {
  SourceRecord r;
  r.key = {source, id};
  r.updated_at_us = updated_at_us;
  for (const auto& [f, v] : fields) {
    r.get(f) = v;
  }
  return r;
}

CustomerId ClusterOf(const Resolver& r, const std::string& source, const std::string& id) {
  auto c = r.ClusterOf({source, id});
  EXPECT_TRUE(c) << source << ":" << id;
  return c ? *c : CustomerId{};
}

TEST(Resolver, UnknownRecordsAndClustersAreErrors) {
  Resolver r;
  EXPECT_EQ(r.Explain({"a", "1"}, {"b", "2"}).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(r.Golden(CustomerId{42}).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(r.Unmerge({"a", "1"}).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(r.Erase(CustomerId{42}).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(r.Add(Rec("a", "", {})).error().code, ErrorCode::kInvalidArgument);
}

TEST(Resolver, DemoPairSameCustomer) {
  // The RetailHub demo: a POS record and a web-shop record of one person.
  Resolver r;
  auto e1 = r.Add(Rec(
      "square", "sq-1",
      {{Field::kFirstName, "ANA"}, {Field::kLastName, "SOUZA"}, {Field::kPhone, "+14155550134"}}));
  ASSERT_TRUE(e1);
  ASSERT_EQ(e1->size(), 1u);
  EXPECT_EQ((*e1)[0].type, EventType::kCreated);
  auto e2 = r.Add(Rec("shopify", "sh-9",
                      {{Field::kFirstName, "Ana"},
                       {Field::kLastName, "Souza"},
                       {Field::kEmail, "ana.souza@example.com"},
                       {Field::kPhone, "(415) 555-0134"}}));
  ASSERT_TRUE(e2);
  EXPECT_EQ(ClusterOf(r, "square", "sq-1"), ClusterOf(r, "shopify", "sh-9"));
  ASSERT_EQ(e2->size(), 1u);
  EXPECT_EQ((*e2)[0].type, EventType::kLinked);
}

TEST(Resolver, ExplanationSumsToTotal) {
  Resolver r;
  ASSERT_TRUE(r.Add(Rec("a", "1",
                        {{Field::kFirstName, "Ana"},
                         {Field::kLastName, "Souza"},
                         {Field::kBirthDate, "1990-03-15"},
                         {Field::kPostcode, "94105"}})));
  ASSERT_TRUE(r.Add(Rec("b", "2",
                        {{Field::kFirstName, "Anna"},
                         {Field::kLastName, "Souza"},
                         {Field::kBirthDate, "1990-15-03"},
                         {Field::kPostcode, "94107"}})));
  auto e = r.Explain({"a", "1"}, {"b", "2"});
  ASSERT_TRUE(e);
  ASSERT_EQ(e->fields.size(), kCmpFieldCount);
  const double sum =
      std::accumulate(e->fields.begin(), e->fields.end(), e->prior_weight,
                      [](double s, const FieldExplanation& f) { return s + f.weight; });
  EXPECT_NEAR(sum, e->total_weight, 1e-9);
  EXPECT_EQ(e->fields[static_cast<std::size_t>(CmpField::kLastName)].level, "exact");
  EXPECT_EQ(e->fields[static_cast<std::size_t>(CmpField::kEmail)].level, "missing");
  EXPECT_EQ(e->fields[static_cast<std::size_t>(CmpField::kEmail)].weight, 0.0);
  EXPECT_GT(e->probability, 0.0);
  EXPECT_FALSE(BandName(e->band).empty());
}

TEST(Resolver, GreyBandGoesToReviewQueue) {
  Resolver r;
  ASSERT_TRUE(r.Add(Rec("a", "1",
                        {{Field::kFirstName, "John"},
                         {Field::kLastName, "Smith"},
                         {Field::kEmail, "john@alpha.example"},
                         {Field::kPhone, "(415) 555-0134"}})));
  ASSERT_TRUE(r.Add(Rec("b", "2",
                        {{Field::kFirstName, "John"},
                         {Field::kLastName, "Smith"},
                         {Field::kEmail, "jsmith77@beta.example"},
                         {Field::kPhone, "(212) 555-0199"}})));
  EXPECT_NE(ClusterOf(r, "a", "1"), ClusterOf(r, "b", "2"));
  const auto queue = r.ReviewQueue();
  ASSERT_EQ(queue.size(), 1u);
  EXPECT_GE(queue[0].probability, 0.2);
  EXPECT_LT(queue[0].probability, 0.9);
  // The steward merges; the pair leaves the queue; the older id survives.
  const CustomerId older = ClusterOf(r, "a", "1");
  auto ev = r.Merge(ClusterOf(r, "b", "2"), older);
  ASSERT_TRUE(ev);
  ASSERT_EQ(ev->size(), 1u);
  EXPECT_EQ((*ev)[0].type, EventType::kMerged);
  EXPECT_EQ(EventName((*ev)[0].type), "customer.merged");
  EXPECT_EQ((*ev)[0].to, older);
  EXPECT_EQ(ClusterOf(r, "b", "2"), older);
  EXPECT_TRUE(r.ReviewQueue().empty());
}

TEST(Resolver, ChainingGuardStopsWeakChains) {
  // A1, A2 are one person; C another. B shares a verified email with A and a
  // loyalty id with C: both deterministic rules fire, but A and C disagree on
  // everything, so C must not be chained into A's cluster through B.
  Resolver r;
  auto a1 = Rec("web", "a1",
                {{Field::kFirstName, "Alice"},
                 {Field::kLastName, "Walker"},
                 {Field::kEmail, "alice@example.com"},
                 {Field::kBirthDate, "1980-01-02"}});
  a1.email_verified = true;
  auto a2 = a1;
  a2.key.id = "a2";
  ASSERT_TRUE(r.Add(a1));
  ASSERT_TRUE(r.Add(a2));
  ASSERT_TRUE(r.Add(Rec("pos", "c",
                        {{Field::kFirstName, "Carlos"},
                         {Field::kLastName, "Mendes"},
                         {Field::kLoyaltyId, "L-77"},
                         {Field::kBirthDate, "1955-11-30"}})));
  auto b = Rec("app", "b", {{Field::kEmail, "alice@example.com"}, {Field::kLoyaltyId, "L-77"}});
  b.email_verified = true;
  ASSERT_TRUE(r.Add(b));
  EXPECT_EQ(ClusterOf(r, "web", "a1"), ClusterOf(r, "web", "a2"));
  EXPECT_NE(ClusterOf(r, "web", "a1"), ClusterOf(r, "pos", "c"));
  EXPECT_GT(r.stats().guard_rejections, 0u);
  EXPECT_FALSE(r.ReviewQueue().empty());
}

TEST(Resolver, ChainingGuardInBatch) {
  std::vector<SourceRecord> recs;
  auto a1 = Rec("web", "a1",
                {{Field::kFirstName, "Alice"},
                 {Field::kLastName, "Walker"},
                 {Field::kEmail, "alice@example.com"},
                 {Field::kBirthDate, "1980-01-02"}});
  a1.email_verified = true;
  auto a2 = a1;
  a2.key.id = "a2";
  auto b = Rec("app", "b", {{Field::kEmail, "alice@example.com"}, {Field::kLoyaltyId, "L-77"}});
  b.email_verified = true;
  recs = {a1, a2, b,
          Rec("pos", "c",
              {{Field::kFirstName, "Carlos"},
               {Field::kLastName, "Mendes"},
               {Field::kLoyaltyId, "L-77"},
               {Field::kBirthDate, "1955-11-30"}})};
  Resolver r;
  ASSERT_TRUE(r.AddBatch(recs));
  EXPECT_EQ(ClusterOf(r, "web", "a1"), ClusterOf(r, "web", "a2"));
  EXPECT_NE(ClusterOf(r, "web", "a1"), ClusterOf(r, "pos", "c"));
  EXPECT_EQ(r.AddBatch(recs).error().code, ErrorCode::kFailedPrecondition);
}

TEST(Resolver, UnmergeSplitsOneRecordAndKeepsHistory) {
  Resolver r;
  ASSERT_TRUE(r.Add(Rec(
      "a", "1",
      {{Field::kFirstName, "Ana"}, {Field::kLastName, "Souza"}, {Field::kPhone, "+14155550134"}})));
  ASSERT_TRUE(r.Add(Rec(
      "b", "2",
      {{Field::kFirstName, "Ana"}, {Field::kLastName, "Souza"}, {Field::kPhone, "+14155550134"}})));
  const CustomerId before = ClusterOf(r, "a", "1");
  ASSERT_EQ(before, ClusterOf(r, "b", "2"));
  auto ev = r.Unmerge({"b", "2"});
  ASSERT_TRUE(ev);
  ASSERT_EQ(ev->size(), 1u);
  EXPECT_EQ(EventName((*ev)[0].type), "customer.unmerged");
  EXPECT_EQ((*ev)[0].from, before);
  EXPECT_EQ(ClusterOf(r, "a", "1"), before);  // the remaining records keep the id
  EXPECT_NE(ClusterOf(r, "b", "2"), before);
  EXPECT_EQ(r.state().history.back().action, "unmerge");
  // The steward's split sticks when the record is updated unchanged.
  ASSERT_TRUE(r.Update(Rec(
      "b", "2",
      {{Field::kFirstName, "Ana"}, {Field::kLastName, "Souza"}, {Field::kPhone, "+14155550134"}})));
  EXPECT_NE(ClusterOf(r, "b", "2"), before);
  EXPECT_EQ(r.Unmerge({"b", "2"}).error().code, ErrorCode::kFailedPrecondition);
}

TEST(Resolver, UpdateMovesARecordThatNoLongerFits) {
  Resolver r;
  ASSERT_TRUE(r.Add(Rec(
      "a", "1",
      {{Field::kFirstName, "Ana"}, {Field::kLastName, "Souza"}, {Field::kPhone, "+14155550134"}})));
  ASSERT_TRUE(r.Add(Rec(
      "b", "2",
      {{Field::kFirstName, "Ana"}, {Field::kLastName, "Souza"}, {Field::kPhone, "+14155550134"}})));
  const CustomerId c = ClusterOf(r, "a", "1");
  auto ev = r.Update(Rec("b", "2",
                         {{Field::kFirstName, "Peter"},
                          {Field::kLastName, "Kowalski"},
                          {Field::kPhone, "+12125550199"}}));
  ASSERT_TRUE(ev);
  ASSERT_EQ(ev->size(), 1u);
  EXPECT_EQ((*ev)[0].type, EventType::kUnmerged);
  EXPECT_EQ(ClusterOf(r, "a", "1"), c);
  EXPECT_NE(ClusterOf(r, "b", "2"), c);
}

TEST(Resolver, MergeKeepsOlderIdAndEmitsEvent) {
  Resolver r;
  ASSERT_TRUE(r.Add(Rec("a", "1", {{Field::kFirstName, "Ana"}, {Field::kLastName, "Souza"}})));
  ASSERT_TRUE(r.Add(Rec("b", "2", {{Field::kFirstName, "Zed"}, {Field::kLastName, "Quill"}})));
  const CustomerId older = ClusterOf(r, "a", "1");
  const CustomerId newer = ClusterOf(r, "b", "2");
  ASSERT_LT(older, newer);
  (void)r.DrainEvents();
  EXPECT_EQ(r.Merge(older, older).error().code, ErrorCode::kInvalidArgument);
  ASSERT_TRUE(r.Merge(older, newer));
  const auto events = r.DrainEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].from, newer);
  EXPECT_EQ(events[0].to, older);
  EXPECT_EQ(ClusterOf(r, "b", "2"), older);
  EXPECT_EQ(r.Golden(newer).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(r.DrainEvents().empty());
}

TEST(Resolver, SurvivorshipWithLineage) {
  ResolverConfig cfg;
  cfg.survivorship.source_priority = {"crm"};
  cfg.survivorship.per_field[Field::kEmail] = {SurvivorRule::kRecency};
  Resolver r(cfg);
  ASSERT_TRUE(r.Add(Rec("web", "w1",
                        {{Field::kFirstName, "ana"},
                         {Field::kLastName, "souza"},
                         {Field::kEmail, "old@example.com"},
                         {Field::kPhone, "415 555 0134"},
                         {Field::kAddressLine1, "1 Main St"},
                         {Field::kCity, "San Francisco"},
                         {Field::kPostcode, "94105"}},
                        100)));
  ASSERT_TRUE(r.Add(Rec("crm", "c1",
                        {{Field::kFirstName, "Ana"},
                         {Field::kLastName, "Souza"},
                         {Field::kEmail, "new@example.com"},
                         {Field::kPhone, "+1 415 555 0134"},
                         {Field::kAddressLine1, "2 Oak Ave"}},
                        50)));
  const CustomerId id = ClusterOf(r, "web", "w1");
  ASSERT_EQ(id, ClusterOf(r, "crm", "c1"));
  auto g = r.Golden(id);
  ASSERT_TRUE(g);
  const auto& first = g->values[static_cast<std::size_t>(Field::kFirstName)];
  ASSERT_TRUE(first);
  EXPECT_EQ(first->value, "Ana");  // crm has priority
  EXPECT_EQ(first->lineage.source, "crm");
  const auto& email = g->values[static_cast<std::size_t>(Field::kEmail)];
  ASSERT_TRUE(email);
  EXPECT_EQ(email->value, "old@example.com");  // recency rule for email
  EXPECT_EQ(email->lineage.source_id, "w1");
  EXPECT_EQ(email->lineage.updated_at_us, 100);
  EXPECT_EQ(g->values[static_cast<std::size_t>(Field::kPhone)]->value, "+14155550134");
  // Address survives as one block: crm's street without web's city.
  EXPECT_EQ(g->values[static_cast<std::size_t>(Field::kAddressLine1)]->value, "2 Oak Ave");
  EXPECT_FALSE(g->values[static_cast<std::size_t>(Field::kCity)].has_value());
  EXPECT_EQ(g->members.size(), 2u);
}

TEST(Resolver, EraseForgetsPersonalData) {
  Resolver r;
  ASSERT_TRUE(r.Add(Rec("shop", "ana@example.com",
                        {{Field::kFirstName, "Ana"},
                         {Field::kLastName, "Souza"},
                         {Field::kEmail, "ana@example.com"},
                         {Field::kPhone, "+14155550134"}})));
  const CustomerId id = ClusterOf(r, "shop", "ana@example.com");
  auto ev = r.Erase(id);
  ASSERT_TRUE(ev);
  EXPECT_EQ(EventName((*ev)[0].type), "customer.erased");
  auto g = r.Golden(id);
  ASSERT_TRUE(g);  // the pseudonymous id remains
  EXPECT_TRUE(g->erased);
  for (const auto& v : g->values) {
    EXPECT_FALSE(v.has_value());
  }
  ASSERT_EQ(g->members.size(), 1u);
  EXPECT_EQ(g->members[0].id.find("ana"), std::string::npos);
  EXPECT_EQ(r.ClusterOf({"shop", "ana@example.com"}).error().code, ErrorCode::kNotFound);
  for (const StoredRecord& s : r.state().records) {
    for (const std::string& f : s.raw.fields) {
      EXPECT_TRUE(f.empty());
    }
    EXPECT_TRUE(s.norm.email.empty());
  }
  for (const Event& e : r.DrainEvents()) {
    EXPECT_EQ(e.record.id.find("ana"), std::string::npos);
  }
  // A new record with the same data starts a new customer, not the erased one.
  ASSERT_TRUE(r.Add(Rec(
      "shop", "2",
      {{Field::kFirstName, "Ana"}, {Field::kLastName, "Souza"}, {Field::kPhone, "+14155550134"}})));
  EXPECT_NE(ClusterOf(r, "shop", "2"), id);
}

TEST(Resolver, LoyaltyConflictVetoes) {
  Resolver r;
  ASSERT_TRUE(r.Add(
      Rec("a", "1",
          {{Field::kFirstName, "Ana"}, {Field::kLastName, "Souza"}, {Field::kLoyaltyId, "L1"}})));
  ASSERT_TRUE(r.Add(
      Rec("b", "2",
          {{Field::kFirstName, "Ana"}, {Field::kLastName, "Souza"}, {Field::kLoyaltyId, "L2"}})));
  EXPECT_NE(ClusterOf(r, "a", "1"), ClusterOf(r, "b", "2"));
  EXPECT_EQ(r.Explain({"a", "1"}, {"b", "2"})->rule, "loyalty_id_conflict");
}

}  // namespace
}  // namespace hub::identity
