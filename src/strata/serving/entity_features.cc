#include "strata/serving/entity_features.h"

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "strata/base/clock.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/features/definitions.h"

namespace strata::serving {
namespace {

// Appends one online value to a column of the signature type; false when it cannot convert.
bool AppendValue(const features::OnlineValue& value, models::ValueType type,
                 table::ColumnBuilder& out) {
  if (std::holds_alternative<std::monostate>(value)) {
    out.AppendNull();
    return true;
  }
  switch (type) {
    case models::ValueType::kFloat64:
    case models::ValueType::kFloat32:
      if (const double* d = std::get_if<double>(&value)) {
        out.AppendFloat64(*d);
      } else if (const int64_t* i = std::get_if<int64_t>(&value)) {
        out.AppendFloat64(static_cast<double>(*i));
      } else if (const bool* b = std::get_if<bool>(&value)) {
        out.AppendFloat64(*b ? 1.0 : 0.0);
      } else {
        return false;
      }
      return true;
    case models::ValueType::kInt64:
      if (const int64_t* i = std::get_if<int64_t>(&value)) {
        out.AppendInt64(*i);
      } else if (const bool* b = std::get_if<bool>(&value)) {
        out.AppendInt64(*b ? 1 : 0);
      } else {
        return false;
      }
      return true;
    case models::ValueType::kBool:
      if (const bool* b = std::get_if<bool>(&value)) {
        out.AppendBool(*b);
        return true;
      }
      return false;
    case models::ValueType::kString:
      if (const std::string* s = std::get_if<std::string>(&value)) {
        out.AppendString(*s);
        return true;
      }
      return false;
  }
  return false;
}

}  // namespace

absl::StatusOr<models::Signature> EntityKeySignature(const features::FeatureServer& server,
                                                     std::string_view service) {
  ASSIGN_OR_RETURN(std::vector<features::FeatureRef> refs,
                   features::ResolveFeatureService(server.definitions(), service));
  models::Signature signature;
  for (const features::FeatureRef& ref : refs) {
    const features::FeatureServer::ViewTable* view = server.FindView(ref.view);
    if (view == nullptr) {
      return absl::NotFoundError(absl::StrCat("feature service '", AsAbsl(service),
                                              "' names unknown feature view '", ref.view, "'"));
    }
    for (const features::JoinKey& key : view->join_keys) {
      bool seen = false;
      for (const models::ColumnSpec& c : signature.inputs) seen = seen || c.name == key.name;
      if (seen) continue;
      signature.inputs.push_back({key.name,
                                  key.type == table::DataType::kInt64 ? models::ValueType::kInt64
                                                                      : models::ValueType::kString,
                                  false});
    }
  }
  return signature;
}

absl::StatusOr<table::Table> ReadModelInputs(const features::FeatureServer& server,
                                             features::OnlineStore& store,
                                             std::string_view service,
                                             const table::Table& entities,
                                             const models::Signature& signature,
                                             int64_t now_micros) {
  features::OnlineFeaturesRequest request;
  request.feature_service = std::string(service);
  for (int c = 0; c < entities.num_columns(); ++c) {
    const table::Column& column = entities.column(c);
    features::EntityKeyColumn keys;
    keys.join_key = entities.schema().field(c).name;
    keys.values.reserve(static_cast<size_t>(entities.num_rows()));
    for (int64_t r = 0; r < entities.num_rows(); ++r) {
      if (column.IsNull(r)) {
        return absl::InvalidArgumentError(
            absl::StrCat("input '", keys.join_key, "' row ", r, ": an entity key cannot be null"));
      }
      if (column.type() == table::DataType::kInt64) {
        keys.values.emplace_back(column.Int64s()[static_cast<size_t>(r)]);
      } else {
        keys.values.emplace_back(std::string(column.StringAt(r)));
      }
    }
    request.entities.push_back(std::move(keys));
  }
  ASSIGN_OR_RETURN(features::OnlineFeaturesResponse response,
                   server.GetOnlineFeatures(store, request, now_micros));
  absl::flat_hash_map<std::string, const features::OnlineFeatureColumn*> by_name;
  for (const features::OnlineFeatureColumn& column : response.columns) {
    by_name.emplace(column.name, &column);
  }
  std::vector<table::Field> fields;
  std::vector<table::Column> columns;
  for (const models::ColumnSpec& input : signature.inputs) {
    auto found = by_name.find(input.name);
    if (found == by_name.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "model input '", input.name, "' is not a feature of feature service '",
          AsAbsl(service), "' nor one of its entity keys"));
    }
    const features::OnlineFeatureColumn& feature = *found->second;
    table::ColumnBuilder builder(models::ColumnTypeOf(input.type));
    builder.Reserve(response.rows);
    for (size_t r = 0; r < feature.values.size(); ++r) {
      const bool present = feature.statuses[r] == features::FeatureStatus::kPresent;
      if (!present && !input.nullable) {
        return absl::InvalidArgumentError(absl::StrCat(
            "model input '", input.name, "' row ", r, ": feature status ",
            AsAbsl(features::FeatureStatusName(feature.statuses[r])),
            " and the model does not accept a missing value for it"));
      }
      if (!AppendValue(present ? feature.values[r] : features::OnlineValue{}, input.type,
                       builder)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "feature '", input.name, "' row ", r, ": the stored value does not convert to the "
            "model input type ", AsAbsl(models::ValueTypeName(input.type))));
      }
    }
    fields.push_back({input.name, models::ColumnTypeOf(input.type)});
    columns.push_back(builder.Finish());
  }
  return table::Table::Make(table::Schema(std::move(fields)), std::move(columns));
}

absl::StatusOr<table::Table> DecodeModelInputs(
    const models::Model& model, features::LiveFeatureServer* features,
    absl::FunctionRef<absl::StatusOr<table::Table>(const models::Signature&)> decode) {
  absl::StatusOr<table::Table> full = decode(model.manifest().signature);
  const std::string& service = model.manifest().feature_service;
  if (full.ok() || features == nullptr || service.empty()) return full;
  ASSIGN_OR_RETURN(features::LiveFeatureServer::Snapshot snapshot, features->Current());
  ASSIGN_OR_RETURN(models::Signature keys, EntityKeySignature(*snapshot.server, service));
  absl::StatusOr<table::Table> entities = decode(keys);
  if (!entities.ok()) {
    std::string names;
    for (const models::ColumnSpec& k : keys.inputs) {
      absl::StrAppend(&names, names.empty() ? "" : ", ", k.name);
    }
    return absl::InvalidArgumentError(
        absl::StrCat(full.status().message(), " (or send only the entity keys of feature service '",
                     service, "': ", names, ")"));
  }
  return ReadModelInputs(*snapshot.server, *snapshot.store, service, *entities,
                         model.manifest().signature, NowMillis() * 1000);
}

}  // namespace strata::serving
