#include "strata/features/online_features.h"

#include <algorithm>
#include <mutex>
#include <string>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"

namespace strata::features {

std::string_view FeatureStatusName(FeatureStatus status) {
  switch (status) {
    case FeatureStatus::kPresent:
      return "PRESENT";
    case FeatureStatus::kNotFound:
      return "NOT_FOUND";
    case FeatureStatus::kNullValue:
      return "NULL_VALUE";
    case FeatureStatus::kOutsideMaxAge:
      return "OUTSIDE_MAX_AGE";
  }
  return "PRESENT";
}

absl::StatusOr<std::unique_ptr<const FeatureServer>> FeatureServer::Create(
    FeatureRepository definitions, int64_t registry_version) {
  // The ViewTables point into definitions_, so the server is built in place, never moved.
  auto server = absl::WrapUnique(new FeatureServer(std::move(definitions), registry_version));
  RETURN_IF_ERROR(server->Build());
  return std::unique_ptr<const FeatureServer>(std::move(server));
}

absl::Status FeatureServer::Build() {
  views_.reserve(definitions_.feature_views.size());
  for (const FeatureView& view : definitions_.feature_views) {
    ViewTable table;
    table.view = &view;
    table.view_key = OnlineViewKey(definitions_.config.project, view.name);
    for (const std::string& entity_name : view.entities) {
      const Entity* entity = definitions_.FindEntity(entity_name);
      if (entity == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat("feature view '", view.name,
                                                       "' names unknown entity '", entity_name,
                                                       "'"));
      }
      table.join_keys.insert(table.join_keys.end(), entity->join_keys.begin(),
                             entity->join_keys.end());
    }
    for (size_t i = 0; i < view.schema.size(); ++i) {
      table.feature_index.emplace(view.schema[i].name, static_cast<int>(i));
      feature_refs_.emplace(absl::StrCat(view.name, ":", view.schema[i].name),
                            FeatureSlot{static_cast<int>(views_.size()), static_cast<int>(i)});
    }
    view_index_.emplace(view.name, static_cast<int>(views_.size()));
    views_.push_back(std::move(table));
  }
  for (const FeatureService& service : definitions_.feature_services) {
    std::vector<FeatureSlot> slots;
    absl::Status resolved = ResolveRefs(service.features, &slots);
    if (!resolved.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("feature service '", service.name, "': ",
                                                     resolved.message()));
    }
    services_.emplace(service.name, std::move(slots));
  }
  return absl::OkStatus();
}

const FeatureServer::ViewTable* FeatureServer::FindView(std::string_view name) const {
  auto it = view_index_.find(AsAbsl(name));
  return it == view_index_.end() ? nullptr : &views_[static_cast<size_t>(it->second)];
}

absl::Status FeatureServer::ResolveRefs(const std::vector<std::string>& refs,
                                        std::vector<FeatureSlot>* slots) const {
  slots->reserve(refs.size());
  for (const std::string& ref : refs) {
    // The common case in one lookup; "view:*" and every error take the long way.
    if (auto known = feature_refs_.find(ref); known != feature_refs_.end()) {
      slots->push_back(known->second);
      continue;
    }
    const size_t colon = ref.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == ref.size() ||
        ref.find(':', colon + 1) != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("feature reference '", ref, "' is not 'view:feature'"));
    }
    const std::string_view view_name = std::string_view(ref).substr(0, colon);
    const std::string_view feature = std::string_view(ref).substr(colon + 1);
    auto view_it = view_index_.find(AsAbsl(view_name));
    if (view_it == view_index_.end()) {
      return absl::InvalidArgumentError(absl::StrCat("feature reference '", ref,
                                                     "': unknown feature view '",
                                                     AsAbsl(view_name), "'"));
    }
    const ViewTable& table = views_[static_cast<size_t>(view_it->second)];
    if (feature == "*") {
      for (size_t i = 0; i < table.view->schema.size(); ++i) {
        slots->push_back({view_it->second, static_cast<int>(i)});
      }
      continue;
    }
    auto feature_it = table.feature_index.find(AsAbsl(feature));
    if (feature_it == table.feature_index.end()) {
      return absl::InvalidArgumentError(absl::StrCat("feature reference '", ref,
                                                     "': feature view '", AsAbsl(view_name),
                                                     "' has no feature '", AsAbsl(feature),
                                                     "'"));
    }
    slots->push_back({view_it->second, feature_it->second});
  }
  return absl::OkStatus();
}

namespace {

bool MatchesKeyType(const EntityKeyValue& value, table::DataType type) {
  return type == table::DataType::kInt64 ? std::holds_alternative<int64_t>(value)
                                         : std::holds_alternative<std::string>(value);
}

std::string_view KeyTypeName(table::DataType type) {
  return type == table::DataType::kInt64 ? "int64" : "string";
}

}  // namespace

// One requested view: its features (schema index -> output column), where its join keys are
// in the request and, once planned, the encoded entity key of every row.
struct FeatureServer::ViewRead {
  int view = 0;
  std::vector<std::pair<int, int>> features;  // (schema index, output column)
  std::vector<const EntityKeyColumn*> key_columns;  // into the request; only while planning
  std::vector<std::string> keys;
};

// Everything a request needs once it is checked: the response with its join-key columns filled
// and every feature column NOT_FOUND, and one store read per view.
struct FeatureServer::ReadPlan {
  OnlineFeaturesResponse response;
  std::vector<ViewRead> reads;
};

absl::Status FeatureServer::PlanRead(const OnlineFeaturesRequest& request,
                                     ReadPlan* plan) const {
  std::vector<ViewRead>& reads = plan->reads;
  OnlineFeaturesResponse& response = plan->response;
  // 1. Which features, in output order.
  const bool by_service = !request.feature_service.empty();
  if (by_service == !request.features.empty()) {
    return absl::InvalidArgumentError(
        by_service ? "give either 'features' or 'feature_service', not both"
                   : "the request names no features: give 'features' or 'feature_service'");
  }
  std::vector<FeatureSlot> request_slots;
  const std::vector<FeatureSlot>* slots = &request_slots;
  if (by_service) {
    auto it = services_.find(request.feature_service);
    if (it == services_.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown feature service '", request.feature_service, "'"));
    }
    slots = &it->second;
  } else {
    RETURN_IF_ERROR(ResolveRefs(request.features, &request_slots));
  }

  // 2. Entity rows.
  if (request.entities.empty()) {
    return absl::InvalidArgumentError("the request has no entities: give 'entities' with the "
                                      "join keys of the requested feature views");
  }
  const size_t rows = request.entities.front().values.size();
  for (size_t i = 0; i < request.entities.size(); ++i) {
    const EntityKeyColumn& column = request.entities[i];
    if (column.values.size() != rows) {
      return absl::InvalidArgumentError(absl::StrCat(
          "entity columns have unequal lengths: '", request.entities.front().join_key, "' has ",
          rows, " values, '", column.join_key, "' has ", column.values.size()));
    }
    for (size_t j = 0; j < i; ++j) {
      if (request.entities[j].join_key == column.join_key) {
        return absl::InvalidArgumentError(
            absl::StrCat("entity column '", column.join_key, "' is given twice"));
      }
    }
  }
  if (rows == 0) {
    return absl::InvalidArgumentError("the entity set is empty: every entity column has 0 rows");
  }

  // 3. Group the features by view; check each view's join keys against the request.
  response.rows = static_cast<int64_t>(rows);
  response.join_key_columns = static_cast<int>(request.entities.size());
  const size_t first_feature_column = request.entities.size();
  response.columns.resize(first_feature_column + slots->size());
  std::vector<bool> entity_used(request.entities.size(), false);
  for (size_t s = 0; s < slots->size(); ++s) {
    const FeatureSlot slot = (*slots)[s];
    const ViewTable& table = views_[static_cast<size_t>(slot.view)];
    const FeatureField& field = table.view->schema[static_cast<size_t>(slot.feature)];
    OnlineFeatureColumn& column = response.columns[first_feature_column + s];
    column.name = request.full_feature_names ? absl::StrCat(table.view->name, "__", field.name)
                                             : field.name;
    auto read = std::find_if(reads.begin(), reads.end(),
                             [&](const ViewRead& r) { return r.view == slot.view; });
    if (read == reads.end()) {
      ViewRead fresh;
      fresh.view = slot.view;
      for (const JoinKey& key : table.join_keys) {
        const EntityKeyColumn* found = nullptr;
        for (size_t e = 0; e < request.entities.size(); ++e) {
          if (request.entities[e].join_key == key.name) {
            found = &request.entities[e];
            entity_used[e] = true;
            break;
          }
        }
        if (found == nullptr) {
          return absl::InvalidArgumentError(absl::StrCat(
              "feature view '", table.view->name, "' needs join key '", key.name,
              "', which the entities do not have"));
        }
        for (size_t r = 0; r < rows; ++r) {
          if (!MatchesKeyType(found->values[r], key.type)) {
            return absl::InvalidArgumentError(absl::StrCat(
                "entity '", key.name, "' row ", r, ": expected ", AsAbsl(KeyTypeName(key.type)),
                " (the join key's type in feature view '", table.view->name, "'), got ",
                std::holds_alternative<int64_t>(found->values[r]) ? "an integer" : "a string"));
          }
        }
        fresh.key_columns.push_back(found);
      }
      reads.push_back(std::move(fresh));
      read = reads.end() - 1;
    }
    for (const auto& [feature, output] : read->features) {
      if (feature == slot.feature) {
        return absl::InvalidArgumentError(absl::StrCat("feature '", table.view->name, ":",
                                                       field.name, "' is requested twice"));
      }
    }
    read->features.emplace_back(slot.feature, static_cast<int>(first_feature_column + s));
  }
  for (size_t e = 0; e < request.entities.size(); ++e) {
    if (!entity_used[e]) {
      return absl::InvalidArgumentError(
          absl::StrCat("entity column '", request.entities[e].join_key,
                       "' is not a join key of any requested feature view"));
    }
  }
  for (size_t c = first_feature_column + 1; c < response.columns.size(); ++c) {
    for (size_t d = first_feature_column; d < c; ++d) {
      if (response.columns[c].name == response.columns[d].name) {
        return absl::InvalidArgumentError(absl::StrCat(
            "two requested features are both named '", response.columns[c].name,
            "' in the response: set full_feature_names to get view__feature names"));
      }
    }
  }

  // 4. Join-key columns echo the request.
  for (size_t e = 0; e < request.entities.size(); ++e) {
    OnlineFeatureColumn& column = response.columns[e];
    column.name = request.entities[e].join_key;
    column.values.reserve(rows);
    for (const EntityKeyValue& v : request.entities[e].values) {
      if (const int64_t* i = std::get_if<int64_t>(&v)) {
        column.values.emplace_back(*i);
      } else {
        column.values.emplace_back(std::get<std::string>(v));
      }
    }
    column.statuses.assign(rows, FeatureStatus::kPresent);
    column.event_ts_micros.assign(rows, 0);
  }
  for (size_t c = first_feature_column; c < response.columns.size(); ++c) {
    response.columns[c].values.resize(rows);
    response.columns[c].statuses.resize(rows, FeatureStatus::kNotFound);
    response.columns[c].event_ts_micros.resize(rows, 0);
  }

  // 5. The entity key of every row, per view.
  for (ViewRead& read : reads) {
    read.keys.resize(rows);
    for (size_t r = 0; r < rows; ++r) {
      std::string& key = read.keys[r];
      for (const EntityKeyColumn* column : read.key_columns) {
        const EntityKeyValue& v = column->values[r];
        if (const int64_t* i = std::get_if<int64_t>(&v)) {
          AppendEntityKeyInt64(*i, &key);
        } else {
          AppendEntityKeyString(std::get<std::string>(v), &key);
        }
      }
    }
    read.key_columns.clear();
  }
  return absl::OkStatus();
}

absl::Status FeatureServer::ApplyRecords(const ViewRead& read,
                                         std::vector<std::optional<std::string>>& records,
                                         std::string_view store_name, int64_t now_micros,
                                         OnlineFeaturesResponse* response) const {
  const size_t rows = static_cast<size_t>(response->rows);
  const ViewTable& table = views_[static_cast<size_t>(read.view)];
  if (records.size() != rows) {
    return absl::InternalError(absl::StrCat("online store ", AsAbsl(store_name), " returned ",
                                            records.size(), " records for ", rows, " keys"));
  }
  const int64_t ttl = table.view->ttl_micros;
  const size_t schema_size = table.view->schema.size();
  for (size_t r = 0; r < rows; ++r) {
    if (!records[r].has_value()) continue;  // NOT_FOUND, already set
    absl::StatusOr<OnlineRecord> record = DecodeOnlineRecord(*records[r]);
    if (!record.ok()) {
      return absl::DataLossError(absl::StrCat("feature view '", table.view->name,
                                              "': stored record of entity row ", r, ": ",
                                              record.status().message()));
    }
    if (record->values.size() != schema_size) continue;  // older schema: NOT_FOUND
    const bool expired = ttl > 0 && record->event_ts_micros < now_micros - ttl;
    for (const auto& [feature, output] : read.features) {
      OnlineFeatureColumn& column = response->columns[static_cast<size_t>(output)];
      column.event_ts_micros[r] = record->event_ts_micros;
      OnlineValue& value = record->values[static_cast<size_t>(feature)];
      if (expired) {
        column.statuses[r] = FeatureStatus::kOutsideMaxAge;
      } else if (std::holds_alternative<std::monostate>(value)) {
        column.statuses[r] = FeatureStatus::kNullValue;
      } else {
        column.statuses[r] = FeatureStatus::kPresent;
        column.values[r] = std::move(value);
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<OnlineFeaturesResponse> FeatureServer::GetOnlineFeatures(
    OnlineStore& store, const OnlineFeaturesRequest& request, int64_t now_micros) const {
  ReadPlan plan;
  RETURN_IF_ERROR(PlanRead(request, &plan));
  std::vector<std::optional<std::string>> records;
  for (const ViewRead& read : plan.reads) {
    records.clear();
    RETURN_IF_ERROR(store.Read(views_[static_cast<size_t>(read.view)].view_key, read.keys,
                               &records));
    RETURN_IF_ERROR(ApplyRecords(read, records, store.Describe(), now_micros, &plan.response));
  }
  return std::move(plan.response);
}

void FeatureServer::GetOnlineFeaturesAsync(std::shared_ptr<const FeatureServer> server,
                                           std::shared_ptr<OnlineStore> store,
                                           const OnlineFeaturesRequest& request,
                                           int64_t now_micros, OnlineFeaturesDone done) {
  // What the reads share until the last one answers. The views' reads may complete on
  // different threads; each fills only its own columns, and the mutex orders the error and
  // the count (and publishes every column to the thread that runs `done`).
  struct Pending {
    std::shared_ptr<const FeatureServer> server;
    std::shared_ptr<OnlineStore> store;
    ReadPlan plan;
    int64_t now_micros = 0;
    OnlineFeaturesDone done;
    std::mutex mu;
    size_t remaining = 0;  // guarded by mu
    absl::Status error;    // guarded by mu: the first failure
  };
  auto pending = std::make_shared<Pending>();
  if (absl::Status planned = server->PlanRead(request, &pending->plan); !planned.ok()) {
    done(std::move(planned));
    return;
  }
  pending->server = std::move(server);
  pending->store = std::move(store);
  pending->now_micros = now_micros;
  pending->done = std::move(done);
  pending->remaining = pending->plan.reads.size();
  for (size_t i = 0; i < pending->plan.reads.size(); ++i) {
    ViewRead& read = pending->plan.reads[i];
    std::string view_key = pending->server->views_[static_cast<size_t>(read.view)].view_key;
    std::vector<std::string> keys = std::move(read.keys);
    OnlineStore& store_ref = *pending->store;
    store_ref.ReadAsync(
        std::move(view_key), std::move(keys),
        [pending, i](absl::Status status, std::vector<std::optional<std::string>> records) {
          if (status.ok()) {
            status = pending->server->ApplyRecords(pending->plan.reads[i], records,
                                                   pending->store->Describe(),
                                                   pending->now_micros, &pending->plan.response);
          }
          {
            std::lock_guard<std::mutex> lock(pending->mu);
            if (!status.ok() && pending->error.ok()) pending->error = std::move(status);
            if (--pending->remaining > 0) return;
          }
          // The last read: no other thread touches `pending` any more.
          OnlineFeaturesDone finish = std::move(pending->done);
          if (!pending->error.ok()) {
            finish(std::move(pending->error));
          } else {
            finish(std::move(pending->plan.response));
          }
        });
  }
}

absl::StatusOr<OnlineFeaturesResponse> GetOnlineFeatures(const FeatureRepository& definitions,
                                                         OnlineStore& store,
                                                         const OnlineFeaturesRequest& request,
                                                         int64_t now_micros) {
  ASSIGN_OR_RETURN(std::unique_ptr<const FeatureServer> server,
                   FeatureServer::Create(definitions, 0));
  return server->GetOnlineFeatures(store, request, now_micros);
}

}  // namespace strata::features
