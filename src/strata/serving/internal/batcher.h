// Dynamic batching for one served version: requests' feature matrices wait in a bounded queue
// until max_batch_size rows are ready or the first has waited max_queue_delay_us, then one
// predictor call runs over their concatenation and each request gets its slice of the outputs.
#ifndef STRATA_SERVING_INTERNAL_BATCHER_H_
#define STRATA_SERVING_INTERNAL_BATCHER_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "strata/models/model_package.h"
#include "strata/serving/model_server.h"

namespace strata::serving {

class Batcher {
 public:
  Batcher(std::shared_ptr<const models::Model> model, const BatchingOptions& options,
          std::shared_ptr<InferenceStats> stats);
  // Stops taking requests; what is still queued is predicted (the version drains) by the
  // worker, which then exits. Safe to run on the worker thread itself (the last reference to
  // a version may be dropped by a completion callback): the worker then finishes detached.
  ~Batcher();
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // `features` holds rows x num_features floats. `done` runs once, on the worker thread (or
  // here when the queue is full: RESOURCE_EXHAUSTED).
  void Submit(std::vector<float> features, int64_t rows, int64_t start_us, InferCallback done);

 private:
  struct Pending {
    std::vector<float> features;
    int64_t rows = 0;
    int64_t start_us = 0;    // when the request arrived (request duration)
    int64_t enqueue_us = 0;  // when it entered the queue (queue duration)
    InferCallback done;
  };
  // Shared with the worker so it can outlive the Batcher while draining.
  struct State {
    std::shared_ptr<const models::Model> model;
    std::shared_ptr<InferenceStats> stats;
    int64_t max_batch_size = 1;
    int64_t max_queue_delay_us = 0;
    int64_t max_queue_rows = 0;
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Pending> queue ABSL_GUARDED_BY(mu);
    int64_t queued_rows ABSL_GUARDED_BY(mu) = 0;
    bool stopping ABSL_GUARDED_BY(mu) = false;
  };

  static void Run(std::shared_ptr<State> state);
  static void PredictBatch(State& state, std::vector<Pending>& batch, int64_t rows);

  std::shared_ptr<State> state_;
  std::thread worker_;
};

}  // namespace strata::serving

#endif  // STRATA_SERVING_INTERNAL_BATCHER_H_
