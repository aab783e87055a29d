#include "shared/kafka/admin.h"

#include <librdkafka/rdkafka.h>

#include <memory>

#include "absl/strings/str_cat.h"

namespace rathaus::platform::kafka {

absl::Status EnsureTopics(const std::string& brokers, const std::vector<TopicSpec>& topics,
                          bool with_dlq, absl::Duration timeout) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err) !=
      RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(absl::StrCat("kafka: ", err));
  }
  std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> rk(
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err), &rd_kafka_destroy);
  if (!rk) return absl::InvalidArgumentError(absl::StrCat("kafka: ", err));

  std::vector<TopicSpec> all = topics;
  if (with_dlq) {
    for (const auto& t : topics) all.push_back({t.name + ".dlq", t.partitions, t.replication_factor});
  }
  std::vector<rd_kafka_NewTopic_t*> new_topics;
  for (const auto& t : all) {
    rd_kafka_NewTopic_t* nt =
        rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, t.replication_factor, err, sizeof err);
    if (nt == nullptr) {
      for (auto* p : new_topics) rd_kafka_NewTopic_destroy(p);
      return absl::InvalidArgumentError(absl::StrCat("kafka: topic ", t.name, ": ", err));
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

}  // namespace rathaus::platform::kafka
