// Micro-benchmarks of the per-document work (Google Benchmark; not a test): building a document from
// typed values, and what libmongoc's client-side validation (which the MongoDB sink turns off) would
// add per document. Run: build/bench/micro/document_bench
#include <benchmark/benchmark.h>

#include "sql2mongo/document_builder.h"

namespace sql2mongo {
namespace {

// An order_items-like row: 6 columns, with a Decimal, as the bench's flat case.
CollectionPlan FlatPlan() {
  CollectionPlan plan;
  plan.name = "order_items";
  plan.table.table = "order_items";
  plan.table.read_columns = {"id", "order_id", "product_id", "line_no", "quantity", "unit_price"};
  plan.id.kind = IdPlan::Kind::kColumn;
  plan.id.parts = {{"id", 0}};
  for (int c = 1; c < 6; ++c) {
    ShapeNode node;
    node.kind = ShapeNode::Kind::kField;
    node.key = plan.table.read_columns[c];
    node.column = c;
    plan.table.shape.push_back(node);
  }
  return plan;
}

RowBatch FlatRows(size_t n) {
  RowBatch rows({"id", "order_id", "product_id", "line_no", "quantity", "unit_price"});
  for (size_t i = 0; i < n; ++i) {
    rows.Append(Value(static_cast<int32_t>(i)));
    rows.Append(Value(static_cast<int32_t>(i / 4)));
    rows.Append(Value(static_cast<int32_t>(i % 2000)));
    rows.Append(Value(static_cast<int32_t>(i % 4)));
    rows.Append(Value(static_cast<int32_t>(1 + i % 3)));
    rows.Append(Value(Decimal{"19.99"}));
  }
  return rows;
}

void BM_BuildFlatDocument(benchmark::State& state) {
  CollectionPlan plan = FlatPlan();
  RowBatch rows = FlatRows(1024);
  BuildCounters counters;
  size_t row = 0, bytes = 0;
  for (auto _ : state) {
    Result<BsonPtr> doc = BuildDocument(plan, rows, row++ % 1024, {}, &counters);
    bytes += doc.value()->len;
    benchmark::DoNotOptimize(doc);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_BuildFlatDocument);

// libmongoc's default insert validation: UTF-8, no empty/dotted/$ keys, recursively.
void BM_ClientSideValidation(benchmark::State& state) {
  CollectionPlan plan = FlatPlan();
  RowBatch rows = FlatRows(1);
  BuildCounters counters;
  BsonPtr doc = std::move(BuildDocument(plan, rows, 0, {}, &counters)).value();
  const auto flags = static_cast<bson_validate_flags_t>(BSON_VALIDATE_UTF8 | BSON_VALIDATE_UTF8_ALLOW_NULL |
                                                        BSON_VALIDATE_EMPTY_KEYS | BSON_VALIDATE_DOT_KEYS |
                                                        BSON_VALIDATE_DOLLAR_KEYS);
  for (auto _ : state) {
    size_t offset = 0;
    benchmark::DoNotOptimize(bson_validate(doc.get(), flags, &offset));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClientSideValidation);

}  // namespace
}  // namespace sql2mongo

BENCHMARK_MAIN();
