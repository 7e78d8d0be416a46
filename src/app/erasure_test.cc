// Erasure reaches every stored copy: the raw messages that carried the
// person's records (a Shopify customer webhook, a Square profile), the
// translated events of every domain, the resolver's decision log. What is
// not theirs stays byte for byte, money and ids stay, and a restart rebuilds
// the same customer ids for everyone else from the scrubbed store.
#include "app/erasure.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "app/domains.h"
#include "app/store_test_base.h"
#include "core/model_json.h"
#include "testing/testing.h"

namespace hub::app {
namespace {

namespace json = boost::json;

struct Person {
  std::string source, id, first, last, email, phone, line1, city, postcode;
};

const Person kAnaWeb{
    "shopify",        "7001",           "Ana",           "Souza", "ana.souza@example.com",
    "(415) 555-0134", "12 Valencia St", "San Francisco", "94110"};
const Person kAnaPos{"square", "SQ-A", "ANA", "SOUZA", "", "+14155550134", "", "", ""};
const Person kBob{"shopify",        "7002",       "Bob",      "Lima", "bob.lima@example.com",
                  "(212) 555-0199", "9 Grand St", "New York", "10013"};
const Person kCarl{"shopify",        "7003",      "Carl",    "Mota", "carl.mota@example.com",
                   "(312) 555-0142", "4 Lake St", "Chicago", "60601"};

class ErasureTest : public StoreTestBase {
 protected:
  void SetUp() override {
    OpenStore(/*with_domains=*/true);
    live_.resolver = std::make_unique<identity::Resolver>();
  }

  // The source's raw payload (a Shopify customer, a Square customer) and the
  // customer event the identity domain applies, with the orders domain's
  // copy of the same message beside it, as the bus stores them.
  void Deliver(const Person& p) {
    ++seq_;
    json::object body;
    if (p.source == "shopify") {
      body = {{"id", std::stoll(p.id)},
              {"email", p.email},
              {"first_name", p.first},
              {"last_name", p.last},
              {"phone", p.phone},
              {"orders_count", 3},
              {"default_address",
               {{"address1", p.line1},
                {"city", p.city},
                {"zip", p.postcode},
                {"country_code", "US"},
                {"name", p.first + " " + p.last}}}};
    } else {
      body = {{"type", "customer.created"},
              {"data",
               {{"object",
                 {{"customer",
                   {{"id", p.id},
                    {"given_name", p.first},
                    {"family_name", p.last},
                    {"phone_number", p.phone}}}}}}}};
    }
    auto msg = conn_->Prepare(
        "INSERT INTO bus_messages (seq, id, source, account, topic, dedup_key, received_at, "
        "correlation_id, traceparent, headers, url, body, state) VALUES ($1, $2, $3, 'm', "
        "'customers/create', $2, 0, $4, '', $5, '', $6, 'translated')");
    ASSERT_TRUE(msg);
    (*msg)
        ->Bind(1, seq_)
        .Bind(2, "msg_" + p.id)
        .Bind(3, p.source)
        .Bind(4, "cor_" + p.id)
        .Bind(5, json::serialize(json::array{json::array{"X-Customer-Email", p.email}}))
        .BindBlob(6, json::serialize(body));
    ASSERT_TRUE((*msg)->Run());

    Customer c;
    c.first_name = p.first;
    c.last_name = p.last;
    if (!p.email.empty()) {
      c.emails = {p.email};
    }
    c.phones = {p.phone};
    if (!p.line1.empty()) {
      c.addresses = {Address{p.line1, "", p.city, "CA", p.postcode, "US"}};
    }
    c.lineage.source_system = p.source;
    c.lineage.source_id = p.id;
    Event e;
    e.type = "customer.upserted";
    e.event_id = "evt_" + p.id;
    e.key = "customer:" + p.source + ":" + p.id;
    e.correlation_id = "cor_" + p.id;
    e.source = {p.source, "m", p.id};
    e.data = ToJson(c);
    {
      store::Transaction tx(*conn_);
      ASSERT_TRUE(tx.Begin());
      std::lock_guard l(live_.mu);
      ASSERT_TRUE(ApplyIdentityEvent(live_, e, conn_.get()));
      live_.resolver->DrainEvents();
      for (const char* domain : {"identity", "orders"}) {
        InsertDoneWork(domain, e, seq_);
      }
      ASSERT_TRUE(tx.Commit());
    }
  }

  std::string ClusterOf(IdentityDomain& d, const Person& p) {
    auto c = d.resolver->ClusterOf({p.source, p.id});
    return c ? c->ToString() : "(" + c.error().ToString() + ")";
  }

  // Every stored string of the database that mentions `needle` (any case).
  std::vector<std::string> Mentions(std::string needle) {
    std::vector<std::string> hits;
    for (auto& ch : needle) {
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    for (const char* sql :
         {"SELECT 'bus_messages', CAST(body AS TEXT) || headers FROM bus_messages",
          "SELECT 'bus_work ' || domain, event FROM bus_work",
          "SELECT 'identity_events', record FROM identity_events",
          "SELECT 'identity_actions', a || ' ' || b FROM identity_actions"}) {
      auto q = conn_->Prepare(sql);
      EXPECT_TRUE(q) << sql;
      if (!q) {
        continue;
      }
      while (*(*q)->Step()) {
        std::string text = (*q)->Text(1);
        for (auto& ch : text) {
          ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        }
        if (text.find(needle) != std::string::npos) {
          hits.push_back((*q)->Text(0) + ": " + (*q)->Text(1));
        }
      }
    }
    return hits;
  }

  std::string Body(std::int64_t seq) {
    auto q = conn_->Prepare("SELECT CAST(body AS TEXT) FROM bus_messages WHERE seq = $1");
    (*q)->Bind(1, seq);
    EXPECT_TRUE(*(*q)->Step());
    std::string body = (*q)->Text(0);
    (*q)->Reset();
    return body;
  }

  IdentityDomain live_;
  std::int64_t seq_ = 0;
};

TEST_F(ErasureTest, EveryStoredCopyIsScrubbedAndTheRebuildKeepsEveryoneElsesIds) {
  Deliver(kAnaWeb);  // seq 1
  Deliver(kBob);     // seq 2
  Deliver(kAnaPos);  // seq 3: the same person at the store
  const std::string ana = ClusterOf(live_, kAnaWeb);
  ASSERT_EQ(ClusterOf(live_, kAnaPos), ana) << "the two profiles must be one person first";
  const std::string bob = ClusterOf(live_, kBob);
  const std::string bob_body = Body(2);

  // A delivery that never reached the resolver (quarantined: not JSON) and
  // a file the drop folder kept after ingesting it.
  auto dlq = conn_->Prepare(
      "INSERT INTO bus_messages (seq, id, source, account, topic, dedup_key, received_at, "
      "correlation_id, traceparent, headers, url, body, state) VALUES ($1, $2, 'shopify', 'm', "
      "'customers/update', $2, 0, $2, '', '[]', '', $3, 'dlq')");
  ASSERT_TRUE(dlq);
  (*dlq)
      ->Bind(1, std::int64_t{100})
      .Bind(2, "msg_bad_ana")
      .BindBlob(
          3, std::string(R"({"id": 7001, "email": "Ana.Souza@example.com", "note": "Ana Souza)"));
  ASSERT_TRUE((*dlq)->Run());
  (*dlq)->Reset();
  (*dlq)
      ->Bind(1, std::int64_t{101})
      .Bind(2, "msg_bad_bob")
      .BindBlob(3, std::string(R"({"id": 7002, "email": "bob.lima@example.com", "note": "Ana)"));
  ASSERT_TRUE((*dlq)->Run());
  const auto inbox = dir_.path() / "inbox";
  std::filesystem::create_directories(inbox / "csv" / "done");
  const auto kept = inbox / "csv" / "done" / "crm_export.csv";
  {
    std::ofstream f(kept);
    f << "id,name,phone,city\nC1,Ana Souza,415-555-0134,San Francisco\n"
         "C2,Bob Lima,(212) 555-0199,New York\n";
  }
  std::filesystem::create_directories(inbox / "csv" / "failed");
  const auto other = inbox / "csv" / "failed" / "stock.csv";
  {
    std::ofstream f(other);
    f << "sku,location,on_hand\nSCF-02,SF-01,5\n";
  }

  ErasureOutcome done;
  {
    std::lock_guard l(live_.mu);
    auto r = ErasePerson(live_, *store_, identity::CustomerId{std::stoull(ana.substr(4))},
                         "steward@example.com", SystemClock::Get(), inbox);
    ASSERT_TRUE(r) << r.error().ToString();
    done = std::move(*r);
  }
  EXPECT_EQ(done.scrubbed.messages, 3) << "two customer webhooks and the quarantined one";
  EXPECT_EQ(done.scrubbed.files, 1);
  auto slurp = [](const std::filesystem::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  EXPECT_EQ(slurp(kept),
            "id,name,phone,city\nC1,[erased],[erased],[erased]\n"
            "C2,Bob Lima,(212) 555-0199,New York\n");
  EXPECT_EQ(slurp(other), "sku,location,on_hand\nSCF-02,SF-01,5\n");
  EXPECT_EQ(Body(101), R"({"id": 7002, "email": "bob.lima@example.com", "note": "Ana)")
      << "someone else's quarantined message stays: a first name is not an identifier";
  EXPECT_EQ(done.scrubbed.events, 4) << "identity and orders copies of both messages";
  EXPECT_GT(done.scrubbed.values, 10);

  for (const char* pii :
       {"ana.souza@example.com", "souza", "5550134", "12 Valencia St", "94110", "San Francisco"}) {
    EXPECT_EQ(Mentions(pii), std::vector<std::string>{}) << pii << " is still stored";
  }
  // The resolver's decision log and the steward actions name the records by
  // their pseudonymous keys now (the source's own customer ids stay in the
  // events' lineage: they are the source's pseudonyms).
  auto q = conn_->Prepare(
      "SELECT COUNT(*) FROM identity_events WHERE record IN ('shopify:7001', 'square:SQ-A')");
  ASSERT_TRUE(q && *(*q)->Step());
  EXPECT_EQ((*q)->Int(0), 0);
  (*q)->Reset();
  // The raw messages are still the source's JSON, with what is not personal.
  const json::value web = json::parse(Body(1));
  EXPECT_EQ(web.at("email").as_string(), Redactor::kErased);
  EXPECT_EQ(web.at("default_address").at("name").as_string(), Redactor::kErased);
  EXPECT_EQ(web.at("default_address").at("country_code").as_string(), "US");
  EXPECT_EQ(web.at("orders_count").as_int64(), 3);
  EXPECT_EQ(web.at("id").as_int64(), 7001);
  EXPECT_EQ(Body(2), bob_body) << "someone else's message must not change";
  EXPECT_FALSE(Mentions("bob.lima@example.com").empty());

  // A customer arriving after the erasure, then a restart from the store.
  Deliver(kCarl);
  const std::string carl = ClusterOf(live_, kCarl);
  IdentityDomain rebuilt;
  rebuilt.resolver = std::make_unique<identity::Resolver>();
  ASSERT_TRUE(RebuildIdentity(rebuilt, *conn_));
  EXPECT_EQ(ClusterOf(rebuilt, kBob), bob);
  EXPECT_EQ(ClusterOf(rebuilt, kCarl), carl)
      << "without the recorded placement the erased records would shift later ids";
  const identity::CustomerId ana_id{std::stoull(ana.substr(4))};
  auto golden = rebuilt.resolver->Golden(ana_id);
  ASSERT_TRUE(golden) << golden.error().ToString();
  EXPECT_TRUE(golden->erased);
  EXPECT_EQ(golden->members.size(), 2u) << "both erased records stay under the tombstone";
  EXPECT_FALSE(rebuilt.resolver->ClusterOf({"shopify", "7001"}));
}

TEST(RedactorTest, MatchesValuesIgnoringCaseSpaceAndPhoneFormatting) {
  Redactor r;
  identity::SourceRecord s;
  s.get(identity::Field::kFirstName) = "Ana";
  s.get(identity::Field::kLastName) = "Souza";
  s.get(identity::Field::kPhone) = "(415) 555-0134";
  s.get(identity::Field::kCountry) = "US";
  r.AddRecord(s);
  EXPECT_TRUE(r.Matches(" ANA "));
  EXPECT_TRUE(r.Matches("ana souza"));
  EXPECT_TRUE(r.Matches("Souza, Ana"));
  EXPECT_TRUE(r.Matches("+1 415 555 0134"));
  EXPECT_TRUE(r.Matches("4155550134"));
  EXPECT_FALSE(r.Matches("US")) << "a country code singles nobody out";
  EXPECT_FALSE(r.Matches("4155550135"));
  EXPECT_FALSE(r.Matches("Anabela"));
  std::string csv = "Date,Name,Amount\n2026-11-19,ANA SOUZA,12.00\n";
  EXPECT_EQ(r.RedactText(csv), 1);
  EXPECT_EQ(csv, "Date,Name,Amount\n2026-11-19,[erased],12.00\n");
}

}  // namespace
}  // namespace hub::app
