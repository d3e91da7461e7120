#include "strata/features/definitions.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/io/write_table.h"
#include "strata/table/table.h"

namespace strata::features {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using table::DataType;

// A repository in a fresh temporary directory with a Parquet source data/users.parquet:
// user_id int64, region string, feature_ts timestamp, created timestamp, f1 float64,
// f2 int64, label string.
class RepoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = fs::path(::testing::TempDir()) /
           ("featdefs_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    WriteParquet(dir_ / "data" / "users.parquet");
    Write("feature_store.yaml", "project: demo\nonline_store: {type: lmdb}\n"
                                "offline_store: {type: file}\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void WriteParquet(const fs::path& path) {
    table::ColumnBuilder id(DataType::kInt64), region(DataType::kString),
        ts(DataType::kTimestamp), created(DataType::kTimestamp), f1(DataType::kFloat64),
        f2(DataType::kInt64), label(DataType::kString);
    for (int i = 0; i < 3; ++i) {
      id.AppendInt64(i);
      region.AppendString("eu");
      ts.AppendInt64(1000 * i);
      created.AppendInt64(1000 * i + 1);
      f1.AppendFloat64(0.5 * i);
      f2.AppendInt64(i);
      label.AppendString("x");
    }
    absl::StatusOr<table::Table> t = table::Table::Make(
        table::Schema({{"user_id", DataType::kInt64},
                       {"region", DataType::kString},
                       {"feature_ts", DataType::kTimestamp},
                       {"created", DataType::kTimestamp},
                       {"f1", DataType::kFloat64},
                       {"f2", DataType::kInt64},
                       {"label", DataType::kString}}),
        {id.Finish(), region.Finish(), ts.Finish(), created.Finish(), f1.Finish(), f2.Finish(),
         label.Finish()});
    ASSERT_TRUE(t.ok()) << t.status();
    ASSERT_TRUE(io::WriteTable(path.string(), *t).ok());
  }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }

  // A valid two-file repository.
  void WriteValid() {
    Write("entities.yaml",
          "entities:\n"
          "  - {name: user, join_keys: [user_id]}\n"
          "  - name: place\n"
          "    join_keys: [{name: region, type: string}]\n"
          "sources:\n"
          "  - {name: user_src, type: file, path: data/users.parquet, timestamp_field: "
          "feature_ts,\n"
          "     created_timestamp_column: created}\n"
          "  - {name: user_push, type: push, batch_source: user_src}\n");
    Write("views.yaml",
          "feature_views:\n"
          "  - name: user_stats\n"
          "    entities: [user, place]\n"
          "    source: user_src\n"
          "    ttl: 30d\n"
          "    schema: [{name: f1, type: float64}, {name: f2, type: float64}]\n"
          "    tags: {team: risk}\n"
          "    owner: ana@example.com\n"
          "  - name: user_labels\n"
          "    entities: [user]\n"
          "    source: user_push\n"
          "    schema: [{name: label, type: string}]\n"
          "    online: false\n"
          "feature_services:\n"
          "  - {name: fraud_v1, features: [\"user_stats:f1\", \"user_labels:*\"]}\n");
  }

  std::string Error() {
    absl::StatusOr<FeatureRepository> repo = LoadFeatureRepository(dir_.string());
    EXPECT_FALSE(repo.ok());
    return repo.ok() ? "" : std::string(repo.status().message());
  }

  fs::path dir_;
};

TEST_F(RepoTest, LoadsAValidRepository) {
  WriteValid();
  absl::StatusOr<FeatureRepository> repo = LoadFeatureRepository(dir_.string());
  ASSERT_TRUE(repo.ok()) << repo.status();
  EXPECT_EQ(repo->config.project, "demo");
  EXPECT_EQ(repo->config.online_store.type, "lmdb");
  ASSERT_EQ(repo->entities.size(), 2u);
  EXPECT_EQ(repo->entities[0].name, "place");  // sorted by name
  EXPECT_EQ(repo->entities[0].join_keys[0], (JoinKey{"region", DataType::kString}));
  EXPECT_EQ(repo->entities[1].join_keys[0], (JoinKey{"user_id", DataType::kInt64}));
  const FeatureView* stats = repo->FindFeatureView("user_stats");
  ASSERT_NE(stats, nullptr);
  EXPECT_EQ(stats->ttl_micros, int64_t{30} * 86400 * 1000000);
  EXPECT_TRUE(stats->online);
  EXPECT_EQ(stats->tags.at("team"), "risk");
  EXPECT_EQ(stats->defined_at.file, "views.yaml");
  EXPECT_EQ(stats->defined_at.line, 2);
  EXPECT_FALSE(repo->FindFeatureView("user_labels")->online);
  EXPECT_EQ(repo->FindFeatureView("user_labels")->ttl_micros, 0);
  const DataSource* src = repo->FindSource("user_src");
  ASSERT_NE(src, nullptr);
  EXPECT_EQ(src->resolved_path, fs::canonical(dir_ / "data/users.parquet").string());
  EXPECT_EQ(src->created_timestamp_column, "created");
  absl::StatusOr<std::vector<FeatureRef>> refs = ResolveFeatureService(*repo, "fraud_v1");
  ASSERT_TRUE(refs.ok()) << refs.status();
  EXPECT_THAT(*refs, ::testing::ElementsAre(FeatureRef{"user_stats", "f1"},
                                            FeatureRef{"user_labels", "label"}));
}

TEST_F(RepoTest, JsonRoundTripsAndIsCanonical) {
  WriteValid();
  absl::StatusOr<FeatureRepository> repo = LoadFeatureRepository(dir_.string());
  ASSERT_TRUE(repo.ok()) << repo.status();
  const std::string text = RepositoryToJson(*repo);
  absl::StatusOr<FeatureRepository> back = RepositoryFromJson(text);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(RepositoryToJson(*back), text);
  EXPECT_EQ(back->FindFeatureView("user_stats")->ttl_micros, repo->FindFeatureView("user_stats")->ttl_micros);
  // Moving an object to another file is not a change.
  fs::remove(dir_ / "views.yaml");
  WriteValid();
  fs::rename(dir_ / "views.yaml", dir_ / "zz_views.yml");
  absl::StatusOr<FeatureRepository> moved = LoadFeatureRepository(dir_.string());
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(RepositoryToJson(*moved), text);
  EXPECT_FALSE(RepositoryFromJson("{\"config\": 1}").ok());
  EXPECT_FALSE(RepositoryFromJson("not json").ok());
}

TEST_F(RepoTest, UnknownEntityNamesFileObjectAndField) {
  WriteValid();
  Write("more.yaml", "feature_views:\n  - {name: v2, entities: [usr], source: user_src,\n"
                     "     schema: [{name: f1, type: float64}]}\n");
  EXPECT_THAT(Error(), HasSubstr("more.yaml:2: feature_view 'v2': field 'entities': unknown "
                                 "entity 'usr'"));
}

TEST_F(RepoTest, DuplicateNamesAcrossFiles) {
  WriteValid();
  Write("more.yaml", "entities:\n  - {name: user, join_keys: [user_id]}\n");
  EXPECT_THAT(Error(), HasSubstr("more.yaml:2: entity 'user': field 'name': duplicate name "
                                 "(first defined at entities.yaml:2)"));
}

TEST_F(RepoTest, UnknownKeysAreErrors) {
  WriteValid();
  Write("more.yaml", "feature_views:\n  - name: v2\n    entities: [user]\n    source: user_src\n"
                     "    ttll: 1d\n    schema: [{name: f1, typ: float64}]\n"
                     "featureviews: []\n");
  const std::string error = Error();
  EXPECT_THAT(error, HasSubstr("more.yaml:5: feature_view 'v2': field 'ttll': unknown field"));
  EXPECT_THAT(error, HasSubstr("more.yaml:6: v2 schema field 'f1': field 'typ': unknown field"));
  EXPECT_THAT(error, HasSubstr("more.yaml:7: field 'featureviews': unknown section"));
}

TEST_F(RepoTest, BadTtlAndBadTypes) {
  WriteValid();
  Write("more.yaml", "feature_views:\n  - {name: v2, entities: [user], source: user_src, "
                     "ttl: 30days,\n     schema: [{name: f1, type: double}]}\n"
                     "entities:\n  - {name: e3, join_keys: [{name: k, type: float64}]}\n");
  const std::string error = Error();
  EXPECT_THAT(error, HasSubstr("more.yaml:2: feature_view 'v2': field 'ttl':"));
  EXPECT_THAT(error, HasSubstr("field 'type': unknown type 'double'"));
  EXPECT_THAT(error, HasSubstr("entity 'e3': field 'join_keys': key 'k' is float64; a join key "
                               "is int64 or string"));
}

TEST_F(RepoTest, TypeClashWithTheParquetSchemaNamesBoth) {
  WriteValid();
  Write("more.yaml", "feature_views:\n  - {name: v2, entities: [user], source: user_src,\n"
                     "     schema: [{name: label, type: float64}, {name: nope, type: int64}]}\n");
  const std::string error = Error();
  EXPECT_THAT(error, HasSubstr("more.yaml:2: feature_view 'v2': field 'schema': feature 'label' "
                               "is declared float64 but column 'label' of data/users.parquet "
                               "(source 'user_src') is string"));
  EXPECT_THAT(error, HasSubstr("feature 'nope' is not a column of data/users.parquet"));
}

TEST_F(RepoTest, JoinKeyTypeAndTimestampChecks) {
  WriteValid();
  Write("more.yaml",
        "entities:\n  - {name: by_region, join_keys: [region]}\n"  // int64 by default
        "sources:\n  - {name: s2, type: file, path: data/users.parquet, timestamp_field: f2}\n"
        "feature_views:\n  - {name: v2, entities: [by_region], source: user_src,\n"
        "     schema: [{name: f1, type: float64}]}\n");
  const std::string error = Error();
  EXPECT_THAT(error, HasSubstr("source 's2': field 'timestamp_field': column 'f2' of "
                               "data/users.parquet is int64; it must be a timestamp"));
  EXPECT_THAT(error, HasSubstr("feature_view 'v2': field 'entities': join key of entity "
                               "'by_region' 'region' is declared int64 but column 'region'"));
}

TEST_F(RepoTest, FieldMappingRenamesSourceColumns) {
  WriteValid();
  Write("more.yaml",
        "sources:\n  - {name: s2, type: file, path: data/users.parquet, timestamp_field: "
        "feature_ts,\n     field_mapping: {f1: score}}\n"
        "feature_views:\n  - {name: v2, entities: [user], source: s2,\n"
        "     schema: [{name: score, type: float64}]}\n");
  absl::StatusOr<FeatureRepository> repo = LoadFeatureRepository(dir_.string());
  ASSERT_TRUE(repo.ok()) << repo.status();
  Write("more.yaml",
        "sources:\n  - {name: s2, type: file, path: data/users.parquet, timestamp_field: "
        "feature_ts,\n     field_mapping: {nothere: score}}\n");
  EXPECT_THAT(Error(), HasSubstr("source 's2': field 'field_mapping': column 'nothere' is not "
                                 "in data/users.parquet"));
}

TEST_F(RepoTest, PathsMayNotLeaveTheRepository) {
  WriteValid();
  Write("more.yaml",
        "sources:\n  - {name: s2, type: file, path: ../outside.parquet, timestamp_field: t}\n"
        "  - {name: s3, type: file, path: /etc/passwd.csv, timestamp_field: t}\n");
  fs::create_symlink("/tmp", dir_ / "data" / "link");
  Write("link.yaml",
        "sources:\n  - {name: s4, type: file, path: data/link/x.parquet, timestamp_field: t}\n");
  const std::string error = Error();
  EXPECT_THAT(error, HasSubstr("more.yaml:2: source 's2': field 'path': '../outside.parquet' is "
                               "outside the repository directory"));
  EXPECT_THAT(error, HasSubstr("more.yaml:3: source 's3': field 'path': '/etc/passwd.csv' is "
                               "outside"));
  EXPECT_THAT(error, HasSubstr("source 's4': field 'path': 'data/link/x.parquet' is outside"));
}

TEST_F(RepoTest, CsvAndDirectorySources) {
  WriteValid();
  fs::create_directories(dir_ / "data" / "events");
  std::ofstream(dir_ / "data" / "events" / "part-0.csv")
      << "user_id,ts,clicks\n1,2024-01-01T00:00:00Z,3\n2,2024-01-02T00:00:00Z,4\n";
  Write("more.yaml",
        "sources:\n  - {name: ev, type: file, path: data/events, timestamp_field: ts}\n"
        "feature_views:\n  - {name: clicks, entities: [user], source: ev, ttl: 7d,\n"
        "     schema: [{name: clicks, type: int64}]}\n");
  absl::StatusOr<FeatureRepository> repo = LoadFeatureRepository(dir_.string());
  ASSERT_TRUE(repo.ok()) << repo.status();
  Write("more.yaml",
        "sources:\n  - {name: ev, type: file, path: data/events, timestamp_field: ts}\n"
        "feature_views:\n  - {name: clicks, entities: [user], source: ev, ttl: 7d,\n"
        "     schema: [{name: clicks, type: string}]}\n");
  EXPECT_THAT(Error(), HasSubstr("column 'clicks' of data/events/part-0.csv (source 'ev') is "
                                 "int64"));
  Write("more.yaml", "sources:\n  - {name: ev, type: file, path: data/none.parquet, "
                     "timestamp_field: ts}\n");
  EXPECT_THAT(Error(), HasSubstr("source 'ev': field 'path': 'data/none.parquet': does not "
                                 "exist"));
}

TEST_F(RepoTest, SourcesOfEachKind) {
  WriteValid();
  Write("more.yaml",
        "sources:\n  - {name: pg, type: postgres, table: t, timestamp_field: ts}\n"
        "  - {name: p2, type: push, batch_source: nope}\n"
        "  - {name: p3, type: postgres, table: t, query: select 1, timestamp_field: ts}\n"
        "  - {name: p4, type: kafka, timestamp_field: ts}\n"
        "  - {name: p5, type: push, batch_source: user_src, path: x.parquet}\n");
  const std::string error = Error();
  EXPECT_THAT(error, HasSubstr("source 'pg': field 'type': a postgres source needs "
                               "offline_store type postgres"));
  EXPECT_THAT(error, HasSubstr("source 'p2': field 'batch_source': unknown source 'nope'"));
  EXPECT_THAT(error, HasSubstr("source 'p3': field 'query': a postgres source has exactly one "
                               "of table or query"));
  EXPECT_THAT(error, HasSubstr("source 'p4': field 'type': 'kafka' is not one of"));
  EXPECT_THAT(error, HasSubstr("source 'p5': field 'path': not a field of a push source"));
}

TEST_F(RepoTest, ServiceReferences) {
  WriteValid();
  Write("more.yaml", "feature_services:\n"
                     "  - {name: s2, features: [\"user_stats:f9\", \"nope:f1\", \"bad\"]}\n"
                     "  - {name: s3, features: [\"user_stats:f1\", \"user_stats:*\"]}\n");
  const std::string error = Error();
  EXPECT_THAT(error, HasSubstr("feature_service 's2': field 'features': 'user_stats:f9': "
                               "feature_view 'user_stats' has no feature 'f9' (features: f1, f2)"));
  EXPECT_THAT(error, HasSubstr("'nope:f1' names unknown feature_view 'nope'"));
  EXPECT_THAT(error, HasSubstr("'bad' is not \"view:feature\""));
  EXPECT_THAT(error, HasSubstr("feature_service 's3': field 'features': 'user_stats:f1' listed "
                               "twice"));
}

TEST_F(RepoTest, ViewChecks) {
  WriteValid();
  Write("more.yaml",
        "feature_views:\n  - {name: v2, entities: [user, user], source: nosrc,\n"
        "     schema: [{name: user_id, type: int64}, {name: f1, type: float64},"
        " {name: f1, type: float64}], online: maybe}\n"
        "  - {name: 'bad:name', entities: [user], source: user_src, schema: []}\n");
  const std::string error = Error();
  EXPECT_THAT(error, HasSubstr("feature_view 'v2': field 'entities': entity 'user' listed twice"));
  EXPECT_THAT(error, HasSubstr("feature_view 'v2': field 'source': unknown source 'nosrc'"));
  EXPECT_THAT(error, HasSubstr("feature 'user_id' has the name of a join key"));
  EXPECT_THAT(error, HasSubstr("feature 'f1' given twice"));
  EXPECT_THAT(error, HasSubstr("field 'online': expected true or false"));
  EXPECT_THAT(error, HasSubstr("feature_view 'bad:name': field 'name': 'bad:name' is not a valid "
                               "name"));
  EXPECT_THAT(error, HasSubstr("feature_view 'bad:name': field 'schema': expected a non-empty"));
}

TEST_F(RepoTest, ConfigErrors) {
  WriteValid();
  Write("feature_store.yaml", "project: demo\nonline_store: {type: redis}\n"
                              "offline_store: {type: file, conection_string: x}\nregistry: r\n");
  const std::string error = Error();
  EXPECT_THAT(error, HasSubstr("feature_store.yaml:2: online_store #1: field "
                               "'connection_string': a redis online store needs redis://"));
  EXPECT_THAT(error, HasSubstr("feature_store.yaml:3: offline_store #1: field "
                               "'conection_string': unknown field"));
  EXPECT_THAT(error, HasSubstr("feature_store.yaml:4: repository config #1: field 'registry': "
                               "unknown field"));
  // The whole URL is checked, not only its scheme; the message hides the password.
  Write("feature_store.yaml", "project: demo\nonline_store: {type: redis, connection_string: "
                              "\"redis://:hunter2@cache:0/1\"}\n");
  const std::string bad_port = Error();
  EXPECT_THAT(bad_port, HasSubstr("feature_store.yaml:2: online_store #1: field "
                                  "'connection_string': 'redis://:***@cache:0/1': port '0' is "
                                  "not a number in 1..65535"));
  EXPECT_THAT(bad_port, Not(HasSubstr("hunter2")));
  // A Redis on this machine may be named by its Unix socket.
  Write("feature_store.yaml", "project: demo\nonline_store: {type: redis, connection_string: "
                              "\"unix:///run/redis/redis.sock?db=1\"}\n");
  absl::StatusOr<FeatureRepository> by_socket = LoadFeatureRepository(dir_.string());
  ASSERT_TRUE(by_socket.ok()) << by_socket.status();
  EXPECT_EQ(by_socket->config.online_store.connection_string,
            "unix:///run/redis/redis.sock?db=1");
  fs::remove(dir_ / "feature_store.yaml");
  absl::StatusOr<FeatureRepository> repo = LoadFeatureRepository(dir_.string());
  EXPECT_EQ(repo.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(LoadFeatureRepository((dir_ / "missing").string()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(RepoTest, MalformedYamlNamesTheFileAndLine) {
  WriteValid();
  Write("broken.yaml", "entities:\n  - {name: x, join_keys: [a\n");
  EXPECT_THAT(Error(), HasSubstr("broken.yaml:"));
  Write("broken.yaml", "- just a list\n");
  EXPECT_THAT(Error(), HasSubstr("broken.yaml:1: expected a mapping with sections"));
}

TEST_F(RepoTest, SchemaChecksCanBeSkipped) {
  WriteValid();
  Write("more.yaml", "feature_views:\n  - {name: v2, entities: [user], source: user_src,\n"
                     "     schema: [{name: nope, type: int64}]}\n");
  EXPECT_TRUE(LoadFeatureRepository(dir_.string(), {.check_source_schemas = false}).ok());
  EXPECT_THAT(Error(), Not(HasSubstr("unknown")));
}

TEST(FeatureTypeTest, ParsesOurAndFeastNames) {
  EXPECT_EQ(*ParseFeatureType("Float64"), DataType::kFloat64);
  EXPECT_EQ(*ParseFeatureType("UnixTimestamp"), DataType::kTimestamp);
  EXPECT_EQ(*ParseFeatureType("category"), DataType::kCategory);
  EXPECT_FALSE(ParseFeatureType("float32").ok());
}

}  // namespace
}  // namespace strata::features
