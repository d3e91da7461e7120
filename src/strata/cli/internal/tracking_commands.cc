#include "strata/cli/internal/tracking_commands.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "strata/base/strings.h"
#include "strata/http/client.h"

namespace strata::cli {
namespace {

using nlohmann::json;

std::string DefaultTrackingUri() {
  const char* env = std::getenv("MLFLOW_TRACKING_URI");
  if (env != nullptr && std::string(env).rfind("http", 0) == 0) return env;
  return "http://127.0.0.1:5000";
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

// Calls the server and returns the parsed body, printing MLflow's error message on failure.
class Api {
 public:
  explicit Api(const std::string& uri) : uri_(uri) {}

  bool Call(const std::string& method, const std::string& target, const json& body, json* out) {
    if (client_ == nullptr) {
      absl::StatusOr<std::unique_ptr<http::Client>> c = http::Client::Create(uri_);
      if (!c.ok()) {
        std::fprintf(stderr, "error: %s\n", c.status().ToString().c_str());
        return false;
      }
      client_ = std::move(*c);
    }
    absl::StatusOr<http::ClientResponse> r =
        client_->Send(method, target, method == "GET" ? "" : body.dump());
    if (!r.ok()) {
      std::fprintf(stderr, "error: cannot reach %s: %s\n", uri_.c_str(),
                   std::string(r.status().message()).c_str());
      return false;
    }
    json parsed = json::parse(r->body, nullptr, false);
    if (r->status != 200) {
      if (!parsed.is_discarded() && parsed.is_object()) {
        std::fprintf(stderr, "error: %s: %s\n", Str(parsed, "error_code").c_str(),
                     Str(parsed, "message").c_str());
      } else {
        std::fprintf(stderr, "error: HTTP %d\n", r->status);
      }
      return false;
    }
    *out = parsed.is_discarded() ? json::object() : parsed;
    return true;
  }

 private:
  std::string uri_;
  std::unique_ptr<http::Client> client_;
};

std::string Q(const std::string& s) { return http::UrlEncode(s); }

}  // namespace

TrackingCommands::TrackingCommands(CLI::App& app) {
  tracking_uri_ = DefaultTrackingUri();
  auto common = [this](CLI::App* cmd) {
    cmd->add_option("--tracking-uri", tracking_uri_,
                    "Server URL (default $MLFLOW_TRACKING_URI or http://127.0.0.1:5000)");
    cmd->add_flag("--json", json_, "Print the server's JSON");
  };
  auto print_or = [this](const json& body, const std::function<void()>& human) {
    if (json_) {
      std::printf("%s\n", body.dump(2).c_str());
    } else {
      human();
    }
    return 0;
  };

  // experiments
  CLI::App* experiments = app.add_subcommand("experiments", "List, show and create experiments");
  experiments->require_subcommand(1);
  CLI::App* exp_list = experiments->add_subcommand("list", "List experiments");
  common(exp_list);
  exp_list->add_option("--view", view_, "active, deleted or all")->capture_default_str();
  exp_list->add_option("--filter", filter_, "MLflow filter, e.g. \"name LIKE 'fraud%'\"");
  exp_list->add_option("--max-results", max_results_)->capture_default_str();
  actions_.push_back({exp_list, [this, print_or] {
    Api api(tracking_uri_);
    std::string view = view_ == "deleted" ? "DELETED_ONLY" : view_ == "all" ? "ALL" : "ACTIVE_ONLY";
    json body = {{"view_type", view}, {"max_results", max_results_}};
    if (!filter_.empty()) body["filter"] = filter_;
    json out;
    if (!api.Call("POST", "/api/2.0/mlflow/experiments/search", body, &out)) return 1;
    return print_or(out, [&] {
      std::printf("%-8s %-32s %-8s %s\n", "ID", "NAME", "STAGE", "ARTIFACT_LOCATION");
      for (const json& e : out.value("experiments", json::array())) {
        std::printf("%-8s %-32s %-8s %s\n", Str(e, "experiment_id").c_str(),
                    Str(e, "name").c_str(), Str(e, "lifecycle_stage").c_str(),
                    Str(e, "artifact_location").c_str());
      }
    });
  }});
  CLI::App* exp_get = experiments->add_subcommand("get", "Show one experiment (by id or --name)");
  common(exp_get);
  exp_get->add_option("id", id_, "Experiment id");
  exp_get->add_option("--name", name_, "Experiment name");
  actions_.push_back({exp_get, [this, print_or] {
    Api api(tracking_uri_);
    json out;
    std::string target = name_.empty()
                             ? "/api/2.0/mlflow/experiments/get?experiment_id=" + Q(id_)
                             : "/api/2.0/mlflow/experiments/get-by-name?experiment_name=" + Q(name_);
    if (!api.Call("GET", target, {}, &out)) return 1;
    return print_or(out, [&] {
      const json& e = out["experiment"];
      std::printf("id:                %s\nname:              %s\nlifecycle_stage:   %s\n"
                  "artifact_location: %s\n",
                  Str(e, "experiment_id").c_str(), Str(e, "name").c_str(),
                  Str(e, "lifecycle_stage").c_str(), Str(e, "artifact_location").c_str());
      for (const json& t : e.value("tags", json::array())) {
        std::printf("tag %s = %s\n", Str(t, "key").c_str(), Str(t, "value").c_str());
      }
    });
  }});
  CLI::App* exp_create = experiments->add_subcommand("create", "Create an experiment");
  common(exp_create);
  exp_create->add_option("name", name_, "Experiment name")->required();
  exp_create->add_option("--artifact-location", artifact_location_);
  actions_.push_back({exp_create, [this, print_or] {
    Api api(tracking_uri_);
    json body = {{"name", name_}};
    if (!artifact_location_.empty()) body["artifact_location"] = artifact_location_;
    json out;
    if (!api.Call("POST", "/api/2.0/mlflow/experiments/create", body, &out)) return 1;
    return print_or(out, [&] { std::printf("%s\n", Str(out, "experiment_id").c_str()); });
  }});

  // runs
  CLI::App* runs = app.add_subcommand("runs", "List, show and create runs");
  runs->require_subcommand(1);
  CLI::App* run_list = runs->add_subcommand("list", "Search runs of an experiment");
  common(run_list);
  run_list->add_option("--experiment-id", experiment_id_)->capture_default_str();
  run_list->add_option("--filter", filter_, "e.g. \"metrics.acc > 0.9 and params.lr = '0.1'\"");
  run_list->add_option("--view", view_, "active, deleted or all")->capture_default_str();
  run_list->add_option("--max-results", max_results_)->capture_default_str();
  actions_.push_back({run_list, [this, print_or] {
    Api api(tracking_uri_);
    std::string view = view_ == "deleted" ? "DELETED_ONLY" : view_ == "all" ? "ALL" : "ACTIVE_ONLY";
    json body = {{"experiment_ids", json::array({experiment_id_})},
                 {"run_view_type", view},
                 {"max_results", max_results_}};
    if (!filter_.empty()) body["filter"] = filter_;
    json out;
    if (!api.Call("POST", "/api/2.0/mlflow/runs/search", body, &out)) return 1;
    return print_or(out, [&] {
      std::printf("%-32s %-24s %-9s %s\n", "RUN_ID", "NAME", "STATUS", "METRICS");
      for (const json& r : out.value("runs", json::array())) {
        const json& info = r["info"];
        std::string metrics;
        for (const json& m : r.value("data", json::object()).value("metrics", json::array())) {
          absl::StrAppend(&metrics, metrics.empty() ? "" : " ", Str(m, "key"), "=",
                          Str(m, "value"));
        }
        std::printf("%-32s %-24s %-9s %s\n", Str(info, "run_id").c_str(),
                    Str(info, "run_name").c_str(), Str(info, "status").c_str(), metrics.c_str());
      }
    });
  }});
  CLI::App* run_get = runs->add_subcommand("get", "Show one run");
  common(run_get);
  run_get->add_option("run_id", id_)->required();
  actions_.push_back({run_get, [this, print_or] {
    Api api(tracking_uri_);
    json out;
    if (!api.Call("GET", "/api/2.0/mlflow/runs/get?run_id=" + Q(id_), {}, &out)) return 1;
    return print_or(out, [&] {
      const json& info = out["run"]["info"];
      const json data = out["run"].value("data", json::object());
      std::printf("run_id:        %s\nname:          %s\nexperiment_id: %s\nstatus:        %s\n"
                  "artifact_uri:  %s\n",
                  Str(info, "run_id").c_str(), Str(info, "run_name").c_str(),
                  Str(info, "experiment_id").c_str(), Str(info, "status").c_str(),
                  Str(info, "artifact_uri").c_str());
      for (const char* kind : {"params", "metrics", "tags"}) {
        for (const json& kv : data.value(kind, json::array())) {
          std::printf("%-7s %s = %s\n", kind, Str(kv, "key").c_str(), Str(kv, "value").c_str());
        }
      }
    });
  }});
  CLI::App* run_create = runs->add_subcommand("create", "Create a run");
  common(run_create);
  run_create->add_option("--experiment-id", experiment_id_)->capture_default_str();
  run_create->add_option("--name", name_, "Run name");
  actions_.push_back({run_create, [this, print_or] {
    Api api(tracking_uri_);
    json body = {{"experiment_id", experiment_id_}};
    if (!name_.empty()) body["run_name"] = name_;
    json out;
    if (!api.Call("POST", "/api/2.0/mlflow/runs/create", body, &out)) return 1;
    return print_or(out, [&] { std::printf("%s\n", Str(out["run"]["info"], "run_id").c_str()); });
  }});

  // models
  CLI::App* models = app.add_subcommand(
      "models", "Registered models (list, get, create) and model packages (import, predict, register)");
  models_ = models;
  models->require_subcommand(1);
  CLI::App* model_list = models->add_subcommand("list", "Search registered models");
  common(model_list);
  model_list->add_option("--filter", filter_, "e.g. \"name LIKE 'fraud%'\"");
  model_list->add_option("--max-results", max_results_)->capture_default_str();
  actions_.push_back({model_list, [this, print_or] {
    Api api(tracking_uri_);
    std::string target =
        absl::StrCat("/api/2.0/mlflow/registered-models/search?max_results=", max_results_);
    if (!filter_.empty()) absl::StrAppend(&target, "&filter=", Q(filter_));
    json out;
    if (!api.Call("GET", target, {}, &out)) return 1;
    return print_or(out, [&] {
      std::printf("%-32s %-10s %s\n", "NAME", "VERSIONS", "ALIASES");
      for (const json& m : out.value("registered_models", json::array())) {
        std::string aliases;
        for (const json& a : m.value("aliases", json::array())) {
          absl::StrAppend(&aliases, aliases.empty() ? "" : " ", Str(a, "alias"), "->",
                          Str(a, "version"));
        }
        std::string latest;
        for (const json& v : m.value("latest_versions", json::array())) {
          absl::StrAppend(&latest, latest.empty() ? "" : ",", Str(v, "version"));
        }
        std::printf("%-32s %-10s %s\n", Str(m, "name").c_str(), latest.c_str(), aliases.c_str());
      }
    });
  }});
  CLI::App* model_get = models->add_subcommand("get", "Show a registered model");
  common(model_get);
  model_get->add_option("name", name_)->required();
  actions_.push_back({model_get, [this, print_or] {
    Api api(tracking_uri_);
    json out;
    if (!api.Call("GET", "/api/2.0/mlflow/registered-models/get?name=" + Q(name_), {}, &out)) {
      return 1;
    }
    return print_or(out, [&] {
      const json& m = out["registered_model"];
      std::printf("name:        %s\ndescription: %s\n", Str(m, "name").c_str(),
                  Str(m, "description").c_str());
      for (const json& v : m.value("latest_versions", json::array())) {
        std::printf("version %s  stage=%s  source=%s\n", Str(v, "version").c_str(),
                    Str(v, "current_stage").c_str(), Str(v, "source").c_str());
      }
      for (const json& a : m.value("aliases", json::array())) {
        std::printf("alias %s -> %s\n", Str(a, "alias").c_str(), Str(a, "version").c_str());
      }
    });
  }});
  CLI::App* model_create = models->add_subcommand("create", "Create a registered model");
  common(model_create);
  model_create->add_option("name", name_)->required();
  model_create->add_option("--description", description_);
  actions_.push_back({model_create, [this, print_or] {
    Api api(tracking_uri_);
    json body = {{"name", name_}};
    if (!description_.empty()) body["description"] = description_;
    json out;
    if (!api.Call("POST", "/api/2.0/mlflow/registered-models/create", body, &out)) return 1;
    return print_or(out, [&] {
      std::printf("%s\n", Str(out["registered_model"], "name").c_str());
    });
  }});
}

int TrackingCommands::Run() {
  for (auto& [cmd, action] : actions_) {
    if (cmd->parsed()) return action();
  }
  return 2;
}

}  // namespace strata::cli
