#include "shared/kafka/admin.h"

#include <librdkafka/rdkafka.h>

#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "shared/kafka/connection.h"

namespace rathaus::platform::kafka {
namespace {

using Client = std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)>;

// A short-lived client for admin requests and metadata.
absl::StatusOr<Client> NewClient(const std::string& brokers,
                                 const std::vector<std::pair<std::string, std::string>>& extra) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::vector<std::pair<std::string, std::string>> settings = {{"bootstrap.servers", brokers}};
  const Settings connection = ConnectionSettings();
  settings.insert(settings.end(), connection.begin(), connection.end());
  settings.insert(settings.end(), extra.begin(), extra.end());
  for (const auto& [name, value] : settings) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return absl::InvalidArgumentError(absl::StrCat("kafka: ", err));
    }
  }
  Client rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err), &rd_kafka_destroy);
  if (!rk) return absl::InvalidArgumentError(absl::StrCat("kafka: ", err));
  return rk;
}

}  // namespace

absl::Status EnsureTopics(const std::string& brokers, const std::vector<TopicSpec>& topics,
                          bool with_dlq, absl::Duration timeout) {
  char err[512];
  absl::StatusOr<Client> client = NewClient(brokers, {});
  if (!client.ok()) return client.status();
  Client& rk = *client;

  std::vector<TopicSpec> all = topics;
  if (with_dlq) {
    for (const auto& t : topics) {
      all.push_back({t.name + ".dlq", t.partitions, t.replication_factor, t.min_insync_replicas});
    }
  }
  std::vector<rd_kafka_NewTopic_t*> new_topics;
  for (const auto& t : all) {
    rd_kafka_NewTopic_t* nt =
        rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, t.replication_factor, err, sizeof err);
    if (nt == nullptr) {
      for (auto* p : new_topics) rd_kafka_NewTopic_destroy(p);
      return absl::InvalidArgumentError(absl::StrCat("kafka: topic ", t.name, ": ", err));
    }
    if (t.min_insync_replicas > 0) {
      const std::string isr = absl::StrCat(t.min_insync_replicas);
      rd_kafka_NewTopic_set_config(nt, "min.insync.replicas", isr.c_str());
    }
    new_topics.push_back(nt);
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk.get());
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(options, static_cast<int>(absl::ToInt64Milliseconds(timeout)),
                                              err, sizeof err);
  rd_kafka_AdminOptions_set_request_timeout(options, static_cast<int>(absl::ToInt64Milliseconds(timeout)),
                                            err, sizeof err);
  rd_kafka_CreateTopics(rk.get(), new_topics.data(), new_topics.size(), options, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, static_cast<int>(absl::ToInt64Milliseconds(timeout)) + 1000);
  absl::Status status = absl::OkStatus();
  if (event == nullptr) {
    status = absl::DeadlineExceededError("kafka: create topics: no answer");
  } else if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    status = absl::UnavailableError(absl::StrCat("kafka: create topics: ", rd_kafka_event_error_string(event)));
  } else {
    const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event);
    size_t n = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &n);
    for (size_t i = 0; i < n; ++i) {
      rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        status = absl::UnavailableError(absl::StrCat("kafka: create topic ", rd_kafka_topic_result_name(results[i]),
                                                     ": ", rd_kafka_topic_result_error_string(results[i])));
        break;
      }
    }
  }
  if (event) rd_kafka_event_destroy(event);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_queue_destroy(queue);
  for (auto* p : new_topics) rd_kafka_NewTopic_destroy(p);
  return status;
}

absl::StatusOr<int> PartitionCount(const std::string& brokers, const std::string& topic,
                                   absl::Duration timeout) {
  absl::StatusOr<Client> client = NewClient(brokers, {{"allow.auto.create.topics", "false"}});
  if (!client.ok()) return client.status();
  Client& rk = *client;
  std::unique_ptr<rd_kafka_topic_t, decltype(&rd_kafka_topic_destroy)> t(
      rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr), &rd_kafka_topic_destroy);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk.get(), 0, t.get(), &md,
                                            static_cast<int>(absl::ToInt64Milliseconds(timeout)));
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(absl::StrCat("kafka: metadata: ", rd_kafka_err2str(e)));
  }
  absl::StatusOr<int> out = absl::NotFoundError(absl::StrCat("kafka: no topic ", topic));
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (topic != md->topics[i].topic) continue;
    if (md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out = md->topics[i].partition_cnt;
    } else if (md->topics[i].err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      out = absl::UnavailableError(
          absl::StrCat("kafka: topic ", topic, ": ", rd_kafka_err2str(md->topics[i].err)));
    }
  }
  rd_kafka_metadata_destroy(md);
  return out;
}

}  // namespace rathaus::platform::kafka
