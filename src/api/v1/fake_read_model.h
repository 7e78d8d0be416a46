// FakeReadModel: an in-memory ReadModel for the v1 API tests. Canned answers
// (customers and messages carry PII so masking can be seen), and a log of
// every mutating call so a test can prove a rejected request changed nothing.
// Test-only (header-only so that no test code lands in hub_api). Thread-safe.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "api/v1/read_model.h"

namespace hub::api::v1::fake {

namespace json = boost::json;

inline constexpr char kEmail[] = "ana.souza@example.com";
inline constexpr char kPhone[] = "+14155550134";

class FakeReadModel final : public ReadModel {
 public:
  std::vector<std::string> mutations() const {
    std::lock_guard<std::mutex> lock(mu_);
    return mutations_;
  }
  std::vector<std::string> reads() const {
    std::lock_guard<std::mutex> lock(mu_);
    return reads_;
  }

  Result<Page> Messages(const MessageQuery& q) override {
    Read("Messages:" + q.source + ":" + q.cursor);
    return Page{
        json::array{json::object{{"id", "msg_1"}, {"source", "shopify"}, {"email", kEmail}}}, "c2"};
  }
  Result<json::object> Message(const std::string& id, bool with_body) override {
    Read("Message:" + id);
    json::object o{{"id", id},
                   {"source", "shopify"},
                   {"customer", json::object{{"email", kEmail}, {"phone", kPhone}}}};
    if (with_body) {
      o["body"] = "{\"raw\":true}";
    }
    return o;
  }
  Result<Page> Failures(const FailureQuery& q) override {
    Read("Failures:" + q.kind + ":" + q.state);
    return Page{json::array{json::object{{"id", "dlq_1"}}}, ""};
  }
  Result<json::object> Failure(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    const bool resolved = resolved_.count(id) > 0;
    if (id.starts_with("dlq_") || id.starts_with("exc_")) {
      return json::object{{"id", id},
                          {"kind", id.starts_with("dlq_") ? "dlq" : "exception"},
                          {"state", resolved ? "resolved" : "open"}};
    }
    return Fail(ErrorCode::kNotFound, "no failure " + id, "id");
  }
  Status ResolveFailure(const std::string& id, const std::string& actor,
                        const std::string&) override {
    Mutate("ResolveFailure:" + id + ":" + actor);
    std::lock_guard<std::mutex> lock(mu_);
    resolved_.insert(id);
    return Ok();
  }
  Result<json::object> RequestReplay(const std::vector<std::string>& ids, const std::string& actor,
                                     const std::string&) override {
    Mutate("RequestReplay:" + std::to_string(ids.size()) + ":" + actor);
    return json::object{{"id", "rpl_" + std::to_string(mutations().size())},
                        {"state", "pending"},
                        {"finance", true}};
  }
  Result<json::object> ApproveReplay(const std::string& id, const std::string& actor) override {
    Mutate("ApproveReplay:" + id + ":" + actor);
    return json::object{{"id", id}, {"state", "done"}};
  }
  Result<Page> Replays(const std::string& state) override {
    Read("Replays:" + state);
    return Page{json::array{}, ""};
  }
  Result<Page> SearchCustomers(const std::string& q, const std::string&, int) override {
    Read("SearchCustomers:" + q);
    return Page{json::array{CustomerDoc("cus_1")}, ""};
  }
  Result<json::object> Customer(const std::string& id) override {
    Read("Customer:" + id);
    if (id == "cus_missing") {
      return Fail(ErrorCode::kNotFound, "no customer " + id, "id");
    }
    return CustomerDoc(id);
  }
  Result<Page> ReviewQueue(const std::string&, int) override {
    Read("ReviewQueue");
    return Page{json::array{json::object{{"a", CustomerDoc("r1")}, {"b", CustomerDoc("r2")}}}, ""};
  }
  Result<json::object> Explain(const std::string& a, const std::string& b) override {
    Read("Explain:" + a + ":" + b);
    return json::object{
        {"fields", json::array{json::object{{"field", "email"}, {"email", kEmail}, {"weight", 4}}}},
        {"band", "review"}};
  }
  Result<json::object> Merge(const std::string& a, const std::string& b,
                             const std::string& actor) override {
    Mutate("Merge:" + a + ":" + b + ":" + actor);
    return json::object{{"customer_id", "cus_1"}, {"email", kEmail}};
  }
  Result<json::object> Unmerge(const std::string& record, const std::string& actor) override {
    Mutate("Unmerge:" + record + ":" + actor);
    return json::object{{"customer_id", "cus_2"}};
  }
  Result<json::object> Erase(const std::string& id, const std::string& actor) override {
    Mutate("Erase:" + id + ":" + actor);
    return json::object{{"customer_id", id}, {"erased", true}};
  }
  Result<json::object> Order(const std::string& id) override {
    Read("Order:" + id);
    return json::object{
        {"order_id", id}, {"state", "paid"}, {"email", kEmail}, {"timeline", json::array{}}};
  }
  Result<json::array> OrderPostings(const std::string& id) override {
    Read("OrderPostings:" + id);
    return json::array{json::object{{"account", "1100"}}};
  }
  Result<json::array> Accounts() override { return json::array{json::object{{"account", "1100"}}}; }
  Result<json::object> TrialBalance(std::optional<Instant>) override {
    return json::object{{"accounts", json::array{}}};
  }
  Result<Page> Entries(const std::string&, const std::string&, const std::string&,
                       const std::string&, int) override {
    return Page{json::array{}, ""};
  }
  Result<json::object> Statement(const std::string& account, Instant, Instant) override {
    Read("Statement:" + account);
    return json::object{{"account", account}};
  }
  Result<Page> Payouts(const std::string&, int) override { return Page{json::array{}, ""}; }
  Result<json::object> PayoutReport(const std::string& id) override {
    return json::object{{"payout_id", id}};
  }
  Result<Page> ReconExceptions(const std::string&, const std::string&, int) override {
    return Page{json::array{}, ""};
  }
  Result<json::object> ReconAction(const std::string& id, const std::string& action,
                                   const json::object&, const std::string& actor) override {
    Mutate("ReconAction:" + id + ":" + action + ":" + actor);
    return json::object{{"id", id}, {"state", action}};
  }
  Result<json::array> Availability(const std::string& sku, const std::string&) override {
    Read("Availability:" + sku);
    return json::array{json::object{{"sku", sku}, {"available", 3}}};
  }
  Result<json::object> Mappings() override {
    std::lock_guard<std::mutex> lock(mu_);
    return json::object{{"version", version_},
                        {"chart", json::array{"1100"}},
                        {"tenders", json::object{}},
                        {"tax_codes", json::object{}},
                        {"locations", json::array{}}};
  }
  Result<json::object> UpdateMapping(const std::string& section, const json::value&,
                                     std::int64_t version, const std::string& actor) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (version != version_) {
        return Fail(ErrorCode::kConflict, "mappings changed", "version");
      }
      ++version_;
    }
    Mutate("UpdateMapping:" + section + ":" + actor);
    return Mappings();
  }
  Result<json::object> Overview(bool with_series) override {
    json::object o{{"ingest_total", 1}};
    if (with_series) {
      o["series"] = json::array{};
    }
    return o;
  }

 private:
  static json::object CustomerDoc(const std::string& id) {
    return json::object{
        {"id", id},
        {"name", "Ana Souza"},
        {"email", kEmail},
        {"phones", json::array{kPhone}},
        {"birth_date", "1990-01-02"},
        {"address", json::object{{"line1", "1 Main St"}, {"city", "Lisbon"}}},
        {"sources", json::array{json::object{{"record", "shopify:1"}, {"email", kEmail}}}},
        {"lineage",
         json::object{{"email", json::object{{"value", kEmail}, {"source", "shopify"}}}}}};
  }
  void Mutate(std::string what) {
    std::lock_guard<std::mutex> lock(mu_);
    mutations_.push_back(std::move(what));
  }
  void Read(std::string what) {
    std::lock_guard<std::mutex> lock(mu_);
    reads_.push_back(std::move(what));
  }

  mutable std::mutex mu_;
  std::vector<std::string> mutations_, reads_;
  std::set<std::string> resolved_;
  std::int64_t version_ = 3;
};

}  // namespace hub::api::v1::fake
