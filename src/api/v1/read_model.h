// ReadModel: what the REST API v1 may read and do, behind one interface.
// The app implements it over the running hub (journal, order book,
// resolver, reconciliation queue, bus operations); API tests use a fake.
// Values are JSON documents whose shapes are fixed by docs/openapi.yaml.
// Thread-safety: implementations must be safe to call from HTTP threads.
#pragma once

#include <boost/json.hpp>

#include <optional>
#include <string>

#include "core/result.h"
#include "core/time.h"

namespace hub::api::v1 {

// One page of a listing: items plus the cursor of the next page (empty = last).
struct Page {
  boost::json::array items;
  std::string next_cursor;
};

struct MessageQuery {
  std::string source, topic, correlation_id, cursor;
  std::optional<Instant> from, to;
  int limit = 50;
};

struct FailureQuery {
  std::string kind;  // "dlq" | "exception" | "" (both)
  std::string state = "open", source, topic, reason, cursor;
  int limit = 50;
};

class ReadModel {
 public:
  virtual ~ReadModel() = default;

  // --- messages, DLQ, exceptions, replay (bus) ---
  virtual Result<Page> Messages(const MessageQuery& q) = 0;
  // {"id","seq","source","account","topic","dedup_key","received_at","correlation_id",
  //  "traceparent","headers":[[k,v]…],"body"} — body only when with_body.
  virtual Result<boost::json::object> Message(const std::string& id, bool with_body) = 0;
  virtual Result<Page> Failures(const FailureQuery& q) = 0;
  virtual Result<boost::json::object> Failure(const std::string& id) = 0;
  virtual Status ResolveFailure(const std::string& id, const std::string& actor,
                                const std::string& note) = 0;
  // {"id","state":"pending|done|rejected","finance",…}
  virtual Result<boost::json::object> RequestReplay(const std::vector<std::string>& failure_ids,
                                                    const std::string& actor,
                                                    const std::string& reason) = 0;
  virtual Result<boost::json::object> ApproveReplay(const std::string& id,
                                                    const std::string& actor) = 0;
  virtual Result<Page> Replays(const std::string& state) = 0;

  // --- customers (identity) ---
  virtual Result<Page> SearchCustomers(const std::string& query, const std::string& cursor,
                                       int limit) = 0;
  // Golden record with "sources" and per-attribute "lineage".
  virtual Result<boost::json::object> Customer(const std::string& id) = 0;
  virtual Result<Page> ReviewQueue(const std::string& cursor, int limit) = 0;
  // Explanation of a record pair: fields with level and weight, total, band.
  virtual Result<boost::json::object> Explain(const std::string& record_a,
                                              const std::string& record_b) = 0;
  virtual Result<boost::json::object> Merge(const std::string& record_a,
                                            const std::string& record_b,
                                            const std::string& actor) = 0;
  virtual Result<boost::json::object> Unmerge(const std::string& record,
                                              const std::string& actor) = 0;
  virtual Result<boost::json::object> Erase(const std::string& customer_id,
                                            const std::string& actor) = 0;

  // --- orders ---
  // {"order_id","state",…,"timeline":[{"type","at","source","source_id","correlation_id",
  //  "message_id"}]}
  virtual Result<boost::json::object> Order(const std::string& id) = 0;
  virtual Result<boost::json::array> OrderPostings(const std::string& id) = 0;

  // --- ledger ---
  virtual Result<boost::json::array> Accounts() = 0;
  // {"as_of","accounts":[{"account","name","currency","debit","credit","balance"}]}
  virtual Result<boost::json::object> TrialBalance(std::optional<Instant> as_of) = 0;
  virtual Result<Page> Entries(const std::string& order_id, const std::string& correlation_id,
                               const std::string& account, const std::string& cursor,
                               int limit) = 0;
  virtual Result<boost::json::object> Statement(const std::string& account, Instant from,
                                                Instant to) = 0;

  // --- reconciliation ---
  virtual Result<Page> Payouts(const std::string& cursor, int limit) = 0;
  virtual Result<boost::json::object> PayoutReport(const std::string& payout_id) = 0;
  virtual Result<Page> ReconExceptions(const std::string& reason, const std::string& cursor,
                                       int limit) = 0;
  // action: "match" | "write-off" | "ignore" | "approve-write-off"
  virtual Result<boost::json::object> ReconAction(const std::string& exception_id,
                                                  const std::string& action,
                                                  const boost::json::object& args,
                                                  const std::string& actor) = 0;

  // --- inventory ---
  virtual Result<boost::json::array> Availability(const std::string& sku,
                                                  const std::string& location) = 0;

  // --- mappings (chart of accounts, tenders, tax codes, locations) ---
  // {"version":N,"chart":[…],"tenders":{…},"tax_codes":{…},"locations":[…]}
  virtual Result<boost::json::object> Mappings() = 0;
  // Replaces one mapping section if `version` matches (else kConflict); audited.
  virtual Result<boost::json::object> UpdateMapping(const std::string& section,
                                                    const boost::json::value& value,
                                                    std::int64_t version,
                                                    const std::string& actor) = 0;

  // --- overview for the dashboard ---
  // {"ingest_total":…, "backlog":{domain:n}, "errors_by_class":{…}, "business":{…}} and,
  // with `with_series`, "series": the samples of the last hour (a client that
  // polls asks for them once).
  virtual Result<boost::json::object> Overview(bool with_series) = 0;
};

}  // namespace hub::api::v1
