// Creates topics that do not exist yet. Production clusters get their topics from the
// deployment (Strimzi KafkaTopic); development servers and tests create them here, with the
// dead-letter topic beside each.
//
//   kafka::EnsureTopics(brokers, {{"rathaus.appointments.v1", 3}}, /*with_dlq=*/true);
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace rathaus::platform::kafka {

struct TopicSpec {
  std::string name;
  int partitions = 3;
  int replication_factor = 1;
  int min_insync_replicas = 0;  // 0: the broker's default
};

// OK when every topic exists afterwards (already existing ones are fine, whatever their
// settings: PartitionCount tells).
absl::Status EnsureTopics(const std::string& brokers, const std::vector<TopicSpec>& topics,
                          bool with_dlq, absl::Duration timeout = absl::Seconds(30));

// The number of partitions of an existing topic; NOT_FOUND when it does not exist.
absl::StatusOr<int> PartitionCount(const std::string& brokers, const std::string& topic,
                                   absl::Duration timeout = absl::Seconds(10));

}  // namespace rathaus::platform::kafka
