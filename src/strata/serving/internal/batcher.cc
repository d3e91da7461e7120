#include "strata/serving/internal/batcher.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "strata/base/clock.h"

namespace strata::serving {

Batcher::Batcher(std::shared_ptr<const models::Model> model, const BatchingOptions& options,
                 std::shared_ptr<InferenceStats> stats)
    : state_(std::make_shared<State>()) {
  state_->model = std::move(model);
  state_->stats = std::move(stats);
  state_->max_batch_size = std::max<int64_t>(1, options.max_batch_size);
  state_->max_queue_delay_us = std::max<int64_t>(0, options.max_queue_delay_us);
  state_->max_queue_rows =
      options.max_queue_rows > 0 ? options.max_queue_rows : 16 * state_->max_batch_size;
  worker_ = std::thread(&Batcher::Run, state_);
}

Batcher::~Batcher() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->stopping = true;
  }
  state_->cv.notify_all();
  if (worker_.get_id() == std::this_thread::get_id()) {
    worker_.detach();  // the worker holds the state and exits after draining
  } else {
    worker_.join();
  }
}

void Batcher::Submit(std::vector<float> features, int64_t rows, int64_t start_us,
                     InferCallback done) {
  State& s = *state_;
  {
    std::unique_lock<std::mutex> lock(s.mu);
    if (s.stopping) {
      lock.unlock();
      s.stats->RecordRequest(false, MonotonicMicros() - start_us);
      done(absl::UnavailableError("the model version is being unloaded"));
      return;
    }
    // A request bigger than the whole queue still gets in when the queue is empty, so a
    // legal request (within max_request_rows) is never refused forever.
    if (s.queued_rows > 0 && s.queued_rows + rows > s.max_queue_rows) {
      int64_t queued = s.queued_rows;
      lock.unlock();
      s.stats->RecordRequest(false, MonotonicMicros() - start_us);
      done(absl::ResourceExhaustedError(
          absl::StrCat("the batch queue is full (", queued, " rows waiting, limit ",
                       s.max_queue_rows, "); retry later")));
      return;
    }
    s.queued_rows += rows;
    s.queue.push_back(
        Pending{std::move(features), rows, start_us, MonotonicMicros(), std::move(done)});
  }
  s.cv.notify_one();
}

void Batcher::Run(std::shared_ptr<State> state) {
  State& s = *state;
  std::vector<Pending> batch;
  std::unique_lock<std::mutex> lock(s.mu);
  for (;;) {
    s.cv.wait(lock, [&s] { return s.stopping || !s.queue.empty(); });
    if (s.queue.empty()) break;  // stopping and drained
    // Wait for the batch to fill or the oldest request's delay to pass (not when draining).
    const int64_t deadline_us = s.queue.front().enqueue_us + s.max_queue_delay_us;
    while (!s.stopping && s.queued_rows < s.max_batch_size) {
      int64_t now = MonotonicMicros();
      if (now >= deadline_us) break;
      s.cv.wait_for(lock, std::chrono::microseconds(deadline_us - now));
    }
    int64_t rows = 0;
    batch.clear();
    // Whole requests only; the first is always taken even if it alone exceeds the size.
    while (!s.queue.empty() &&
           (batch.empty() || rows + s.queue.front().rows <= s.max_batch_size)) {
      rows += s.queue.front().rows;
      batch.push_back(std::move(s.queue.front()));
      s.queue.pop_front();
    }
    s.queued_rows -= rows;
    lock.unlock();
    PredictBatch(s, batch, rows);
    batch.clear();
    lock.lock();
  }
}

void Batcher::PredictBatch(State& s, std::vector<Pending>& batch, int64_t rows) {
  const models::Predictor& predictor = s.model->predictor();
  const int64_t num_features = predictor.num_features();
  const int num_outputs = predictor.num_outputs();
  const int64_t start = MonotonicMicros();
  std::vector<float> matrix;
  const float* features = nullptr;
  if (batch.size() == 1) {
    features = batch[0].features.data();
  } else {
    matrix.reserve(static_cast<size_t>(rows * num_features));
    for (const Pending& p : batch) matrix.insert(matrix.end(), p.features.begin(), p.features.end());
    features = matrix.data();
  }
  std::vector<double> out(static_cast<size_t>(rows * num_outputs));
  predictor.Predict(features, rows, out.data());
  const int64_t end = MonotonicMicros();
  InferenceStats& stats = *s.stats;
  stats.exec_count.fetch_add(1, std::memory_order_relaxed);
  stats.compute_infer_duration_us.fetch_add(end - start, std::memory_order_relaxed);
  int64_t offset = 0;
  for (Pending& p : batch) {
    models::Model::Predictions predictions;
    predictions.rows = p.rows;
    predictions.num_outputs = num_outputs;
    predictions.values.assign(out.begin() + offset * num_outputs,
                              out.begin() + (offset + p.rows) * num_outputs);
    offset += p.rows;
    stats.queue_duration_us.fetch_add(start - p.enqueue_us, std::memory_order_relaxed);
    stats.inference_count.fetch_add(p.rows, std::memory_order_relaxed);
    stats.RecordRequest(true, MonotonicMicros() - p.start_us);
    p.done(std::move(predictions));
  }
}

}  // namespace strata::serving
