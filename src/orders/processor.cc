// OrderProcessor: apply to the book, post from the state before, undo the
// book when posting fails. Events without an order (returns without receipt,
// disputes not linked to an order) post first and are then de-duplicated, so
// a failed posting leaves no trace and can be replayed.
#include <optional>

#include "orders/posting.h"

namespace hub::orders {
namespace {

template <typename ApplyFn, typename PostFn>
Result<Processed> Run(OrderBook& book, std::string_view order_id, ApplyFn apply, PostFn post) {
  std::optional<OrderRecord> before;
  if (const OrderRecord* r = book.Find(order_id); r != nullptr) {
    before = *r;
  }
  HUB_TRY(const Applied outcome, apply());
  if (outcome != Applied::kApplied) {
    return Processed{outcome, {}};
  }
  auto posted = post(before.has_value() ? &*before : nullptr);
  if (!posted) {
    book.Restore(order_id, before);
    return tl::unexpected(std::move(posted).error());
  }
  if (!posted->refunds_by_tender.empty()) {
    if (auto s = book.AddRefunded(order_id, posted->refunds_by_tender); !s) {
      book.Restore(order_id, before);
      return tl::unexpected(std::move(s).error());
    }
  }
  return Processed{Applied::kApplied, std::move(*posted)};
}

}  // namespace

Result<Processed> OrderProcessor::Handle(const hub::Order& order) {
  return Run(
      book_, order.order_id, [&] { return book_.ApplyOrder(order); },
      [&](const OrderRecord*) { return engine_.PostOrder(order); });
}

Result<Processed> OrderProcessor::Handle(std::string_view order_id, const hub::Tender& tender,
                                         const Lineage& lineage) {
  return Run(
      book_, order_id, [&] { return book_.ApplyTender(order_id, tender, lineage); },
      [&](const OrderRecord* before) { return engine_.PostTender(*before, tender, lineage); });
}

Result<Processed> OrderProcessor::Handle(const hub::Fulfillment& f) {
  return Run(
      book_, f.order_id, [&] { return book_.ApplyFulfillment(f); },
      [&](const OrderRecord* before) { return engine_.PostFulfillment(*before, f); });
}

Result<Processed> OrderProcessor::Handle(const hub::Return& r) {
  if (r.order_id.empty()) {
    HUB_TRY(Posted posted, engine_.PostReturn(nullptr, r, book_));
    HUB_TRY(const Applied outcome, book_.ApplyReturn(r));
    if (outcome != Applied::kApplied) {
      return Processed{outcome, {}};
    }
    return Processed{outcome, std::move(posted)};
  }
  return Run(
      book_, r.order_id, [&] { return book_.ApplyReturn(r); },
      [&](const OrderRecord* before) { return engine_.PostReturn(before, r, book_); });
}

Result<Processed> OrderProcessor::Handle(const hub::Refund& r) {
  return Run(
      book_, r.order_id, [&] { return book_.ApplyRefund(r); },
      [&](const OrderRecord* before) { return engine_.PostRefund(*before, r); });
}

Result<Processed> OrderProcessor::Handle(const Cancellation& c) {
  return Run(
      book_, c.order_id, [&] { return book_.ApplyCancellation(c); },
      [&](const OrderRecord* before) { return engine_.PostCancellation(*before, c); });
}

Result<Processed> OrderProcessor::Handle(const hub::Dispute& d) {
  if (d.order_id.empty()) {
    HUB_TRY(Posted posted, engine_.PostDispute(d, nullptr));
    HUB_TRY(const Applied outcome, book_.ApplyDispute(d));
    if (outcome != Applied::kApplied) {
      return Processed{outcome, {}};
    }
    return Processed{outcome, std::move(posted)};
  }
  return Run(
      book_, d.order_id, [&] { return book_.ApplyDispute(d); },
      [&](const OrderRecord* before) { return engine_.PostDispute(d, before); });
}

}  // namespace hub::orders
