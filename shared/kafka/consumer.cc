#include "shared/kafka/consumer.h"

#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "shared/kafka/connection.h"
#include "shared/log/log.h"

namespace rathaus::platform::kafka {

class Rebalancer : public RdKafka::RebalanceCb {
 public:
  explicit Rebalancer(Consumer* owner) : owner_(owner) {}
  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    const bool assign = err == RdKafka::ERR__ASSIGN_PARTITIONS;
    const bool cooperative = consumer->rebalance_protocol() == "COOPERATIVE";
    std::string error;
    if (cooperative) {
      std::unique_ptr<RdKafka::Error> e(assign ? consumer->incremental_assign(partitions)
                                               : consumer->incremental_unassign(partitions));
      if (e) error = e->str();
    } else {
      RdKafka::ErrorCode code = assign ? consumer->assign(partitions) : consumer->unassign();
      if (code != RdKafka::ERR_NO_ERROR) error = RdKafka::err2str(code);
    }
    const int64_t n = static_cast<int64_t>(partitions.size());
    owner_->assigned_.fetch_add(assign ? n : -n);
    if (assign) owner_->ever_assigned_ = true;
    if (!cooperative && !assign) owner_->assigned_ = 0;
    log::Info(assign ? "kafka partitions assigned" : "kafka partitions revoked",
              {{"group", owner_->options_.group_id}, {"count", n},
               {"protocol", consumer->rebalance_protocol()}});
    if (!error.empty()) {
      log::Error("kafka rebalance failed", {{"group", owner_->options_.group_id},
                                            {"error", error}});
    }
  }

 private:
  Consumer* owner_;
};

std::optional<std::string_view> Event::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

Consumer::Consumer(ConsumerOptions options, Producer* dlq, BatchHandler handler)
    : options_(std::move(options)), dlq_(dlq), handler_(std::move(handler)) {}

Consumer::Consumer(ConsumerOptions options, Producer* dlq, Handler handler)
    : Consumer(std::move(options), dlq,
               BatchHandler([h = std::move(handler)](const std::vector<Event>& events) {
                 std::vector<absl::Status> out;
                 out.reserve(events.size());
                 for (const auto& e : events) out.push_back(h(e));
                 return out;
               })) {}

Consumer::~Consumer() { Stop(); }

absl::Status Consumer::Start() {
  rebalancer_ = std::make_unique<Rebalancer>(this);
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::vector<std::pair<std::string, std::string>> settings = {
      {"bootstrap.servers", options_.brokers},
      {"group.id", options_.group_id},
      {"client.id", absl::StrCat("rathaus-", options_.group_id)},
      {"partition.assignment.strategy", "cooperative-sticky"},
      {"enable.auto.offset.store", "false"},
      {"enable.auto.commit", "true"},
      {"auto.commit.interval.ms", absl::StrCat(options_.auto_commit_interval_ms)},
      {"auto.offset.reset", "earliest"},
      {"session.timeout.ms", absl::StrCat(options_.session_timeout_ms)},
      {"enable.partition.eof", "false"},
      {"allow.auto.create.topics", "true"},
  };
  const Settings connection = ConnectionSettings();
  settings.insert(settings.end(), connection.begin(), connection.end());
  settings.insert(settings.end(), options_.extra.begin(), options_.extra.end());
  std::string err;
  for (const auto& [k, v] : settings) {
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) {
      return absl::InvalidArgumentError(absl::StrCat("kafka: ", k, "=", v, ": ", err));
    }
  }
  if (conf->set("rebalance_cb", rebalancer_.get(), err) != RdKafka::Conf::CONF_OK) {
    return absl::InternalError(absl::StrCat("kafka: ", err));
  }
  consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer_) return absl::InvalidArgumentError(absl::StrCat("kafka: ", err));
  RdKafka::ErrorCode code = consumer_->subscribe(options_.topics);
  if (code != RdKafka::ERR_NO_ERROR) {
    return absl::UnavailableError(absl::StrCat("kafka: subscribe: ", RdKafka::err2str(code)));
  }
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void Consumer::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(lag_mu_);
  if (consumer_) {
    if (!Close()) {
      // librdkafka still works on the close; destroying the handle would wait for it. Keep it
      // (and the rebalance callback it may call) for the rest of the process's life.
      log::Warn("kafka consumer close did not finish in time; records applied since the last "
                "commit will be delivered again (the inbox skips them)",
                {{"group", options_.group_id},
                 {"timeout_ms", absl::ToInt64Milliseconds(options_.close_timeout)}});
      (void)consumer_.release();
      (void)rebalancer_.release();
      return;
    }
    // librdkafka < 2.3 asserts in rd_kafka_sticky_assignor_state_destroy when a handle that has
    // a JoinGroup answer but never an assignment is destroyed (librdkafka issue 4312). Such a
    // consumer has consumed nothing and has left the group; keep its handle instead of aborting.
    if (!ever_assigned_.load() && RdKafka::version() < 0x020300ff) {
      log::Info("kafka consumer stopped before its first assignment",
                {{"group", options_.group_id}});
      (void)consumer_.release();
    } else {
      consumer_.reset();
    }
  }
}

bool Consumer::Close() {
  // The close runs in librdkafka's background; its rebalance events come to this queue, which
  // is served with consume() (poll() would hand fetched records back to the queue).
  std::unique_ptr<RdKafka::Queue> queue(RdKafka::Queue::create(consumer_.get()));
  std::unique_ptr<RdKafka::Error> error(consumer_->close(queue.get()));
  if (error) {
    log::Warn("kafka consumer close failed", {{"group", options_.group_id}, {"error", error->str()}});
    return true;  // nothing runs in the background
  }
  const absl::Time until = absl::Now() + options_.close_timeout;
  while (!consumer_->closed()) {
    if (absl::Now() >= until) {
      (void)queue.release();  // librdkafka may still forward to it
      return false;
    }
    // Records fetched before the close are not applied: their offsets were not stored.
    std::unique_ptr<RdKafka::Message> ignored(queue->consume(100));
  }
  return true;
}

namespace {

// True for a record; logs and drops the non-record results (timeouts, transient errors).
bool IsRecord(const RdKafka::Message& message, const std::string& group) {
  switch (message.err()) {
    case RdKafka::ERR_NO_ERROR:
      return true;
    case RdKafka::ERR__TIMED_OUT:
    case RdKafka::ERR__PARTITION_EOF:
      return false;
    case RdKafka::ERR_UNKNOWN_TOPIC_OR_PART:
      // The topic does not exist yet (no producer wrote to it); it will.
      log::Debug("kafka topic not there yet", {{"detail", message.errstr()}});
      return false;
    default:
      log::Warn("kafka consume error", {{"group", group}, {"error", message.errstr()}});
      return false;
  }
}

Event ToEvent(RdKafka::Message& message) {
  Event event;
  event.topic = message.topic_name();
  event.partition = message.partition();
  event.offset = message.offset();
  if (message.key()) event.key = *message.key();
  event.value.assign(static_cast<const char*>(message.payload()), message.len());
  if (RdKafka::Headers* headers = message.headers()) {
    for (const auto& h : headers->get_all()) {
      event.headers.emplace_back(h.key(), std::string(static_cast<const char*>(h.value()),
                                                      h.value_size()));
    }
  }
  return event;
}

}  // namespace

void Consumer::Loop() {
  std::vector<std::unique_ptr<RdKafka::Message>> batch;
  while (!stop_.load()) {
    batch.clear();
    std::unique_ptr<RdKafka::Message> first(consumer_->consume(100));
    if (!IsRecord(*first, options_.group_id)) continue;
    batch.push_back(std::move(first));
    // Take what is already fetched, without waiting for more.
    while (static_cast<int>(batch.size()) < options_.max_batch) {
      std::unique_ptr<RdKafka::Message> next(consumer_->consume(0));
      if (!IsRecord(*next, options_.group_id)) break;
      batch.push_back(std::move(next));
    }
    ProcessBatch(batch);
  }
}

void Consumer::ProcessBatch(const std::vector<std::unique_ptr<RdKafka::Message>>& messages) {
  std::vector<Event> events;
  events.reserve(messages.size());
  for (const auto& m : messages) events.push_back(ToEvent(*m));
  std::vector<absl::Status> results = handler_(events);
  if (results.size() != events.size()) {
    // A handler that does not answer for every record is a bug in the service.
    log::Error("batch handler returned the wrong number of results",
               {{"records", events.size()}, {"results", results.size()}});
    std::abort();
  }
  for (size_t i = 0; i < events.size(); ++i) {
    if (results[i].ok()) {
      processed_.fetch_add(1);
    } else if (!RetryOrDeadLetter(events[i], std::move(results[i]))) {
      // Shutting down, or the partition was taken away while we retried: this record and the
      // rest stay uncommitted. Records of partitions we still own are fetched again.
      if (!stop_.load()) SeekBack(events, i);
      return;
    }
    StoreOffset(events[i]);
  }
}

bool IsTransient(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
      return true;
    case absl::StatusCode::kFailedPrecondition: {
      // Redis answers these while it starts, fails over or runs a long script.
      const absl::string_view m = status.message();
      for (absl::string_view word : {"LOADING", "READONLY", "BUSY", "MASTERDOWN", "TRYAGAIN",
                                     "NOREPLICAS", "CLUSTERDOWN"}) {
        if (absl::StrContains(m, word)) return true;
      }
      return false;
    }
    default:
      return false;
  }
}

bool Consumer::RetryOrDeadLetter(const Event& event, absl::Status status) {
  absl::Duration backoff = options_.backoff_initial;
  int attempts = 1;
  bool paused = false;
  absl::Time next_warning = absl::InfinitePast();
  const absl::Time since = absl::Now();
  while (!status.ok()) {
    const bool permanent = status.code() == absl::StatusCode::kInvalidArgument;
    const bool transient = !permanent && IsTransient(status);
    if (permanent || (!transient && attempts >= options_.max_attempts)) break;
    if (stop_.load()) break;
    if (absl::Now() >= next_warning) {
      log::Warn(transient ? "event handler failed transiently; retrying until it recovers"
                          : "event handler failed; retrying",
                {{"topic", event.topic}, {"partition", event.partition}, {"offset", event.offset},
                 {"attempt", attempts}, {"error", status.ToString()}});
      next_warning = absl::Now() + absl::Seconds(30);
    }
    if (transient && !paused && attempts >= options_.max_attempts) {
      // A long outage (Redis restarting): hold every partition, but keep polling so the group
      // keeps us (max.poll.interval.ms) and rebalances are served.
      paused = true;
      metrics_paused_.store(true);
    }
    if (paused) {
      if (!WaitPaused(event, backoff)) {
        Resume();
        return false;  // the partition went to another member
      }
    } else {
      absl::SleepFor(backoff);
    }
    backoff = std::min(backoff * 2, options_.backoff_max);
    ++attempts;
    status = std::move(handler_({event})[0]);
  }
  if (paused) {
    Resume();
    log::Info("event handler recovered", {{"topic", event.topic}, {"partition", event.partition},
                                          {"attempts", attempts},
                                          {"after_ms", absl::ToInt64Milliseconds(absl::Now() - since)}});
  }
  if (status.ok()) {
    processed_.fetch_add(1);
    return true;
  }
  if (stop_.load()) return false;
  return DeadLetter(event, status, attempts);
}

bool Consumer::StillAssigned(const Event& event) {
  std::vector<RdKafka::TopicPartition*> partitions;
  if (consumer_->assignment(partitions) != RdKafka::ERR_NO_ERROR) return true;
  bool found = false;
  for (RdKafka::TopicPartition* tp : partitions) {
    found = found || (tp->topic() == event.topic && tp->partition() == event.partition);
  }
  RdKafka::TopicPartition::destroy(partitions);
  return found;
}

bool Consumer::WaitPaused(const Event& event, absl::Duration duration) {
  const absl::Time until = absl::Now() + duration;
  do {
    // Pause whatever is assigned now (a rebalance may have added partitions, unpaused).
    std::vector<RdKafka::TopicPartition*> partitions;
    if (consumer_->assignment(partitions) == RdKafka::ERR_NO_ERROR && !partitions.empty()) {
      consumer_->pause(partitions);
    }
    RdKafka::TopicPartition::destroy(partitions);
    const int64_t wait_ms = std::clamp<int64_t>(
        absl::ToInt64Milliseconds(until - absl::Now()), 0, 100);
    std::unique_ptr<RdKafka::Message> m(consumer_->consume(static_cast<int>(wait_ms)));
    if (m && m->err() == RdKafka::ERR_NO_ERROR) {
      // Fetched before its partition was paused: fetch it again later.
      std::unique_ptr<RdKafka::TopicPartition> tp(
          RdKafka::TopicPartition::create(m->topic_name(), m->partition(), m->offset()));
      consumer_->seek(*tp, 1000);
    }
    if (!StillAssigned(event)) return false;
  } while (absl::Now() < until && !stop_.load());
  return true;
}

void Consumer::Resume() {
  if (!metrics_paused_.exchange(false)) return;
  std::vector<RdKafka::TopicPartition*> partitions;
  if (consumer_->assignment(partitions) == RdKafka::ERR_NO_ERROR && !partitions.empty()) {
    consumer_->resume(partitions);
  }
  RdKafka::TopicPartition::destroy(partitions);
}

void Consumer::SeekBack(const std::vector<Event>& events, size_t from) {
  std::map<std::pair<std::string, int32_t>, int64_t> first;
  for (size_t i = from; i < events.size(); ++i) {
    first.emplace(std::make_pair(events[i].topic, events[i].partition), events[i].offset);
  }
  for (const auto& [tp_key, offset] : first) {
    std::unique_ptr<RdKafka::TopicPartition> tp(
        RdKafka::TopicPartition::create(tp_key.first, tp_key.second, offset));
    consumer_->seek(*tp, 1000);  // fails harmlessly for a partition we no longer own
  }
}

bool Consumer::DeadLetter(const Event& event, const absl::Status& reason, int attempts) {
  Record record;
  record.topic = event.topic + options_.dlq_suffix;
  record.key = event.key;
  record.value = event.value;
  record.headers = event.headers;
  record.headers.emplace_back("dlq_reason", std::string(reason.ToString()));
  record.headers.emplace_back("dlq_topic", event.topic);
  record.headers.emplace_back("dlq_partition", absl::StrCat(event.partition));
  record.headers.emplace_back("dlq_offset", absl::StrCat(event.offset));
  record.headers.emplace_back("dlq_attempts", absl::StrCat(attempts));
  record.headers.emplace_back("dlq_group", options_.group_id);
  record.headers.emplace_back("dlq_time", absl::FormatTime(absl::RFC3339_full, absl::Now(),
                                                           absl::UTCTimeZone()));
  // The record may only move on once the dead letter is safely in Kafka. A send is made again
  // only after its delivery report said it failed, never because waiting took long: that would
  // write the dead letter twice.
  absl::Duration backoff = options_.backoff_initial;
  while (!stop_.load()) {
    auto report = std::make_shared<std::promise<absl::Status>>();
    std::future<absl::Status> delivered = report->get_future();
    dlq_->Send(record, [report](absl::Status s) { report->set_value(std::move(s)); });
    while (delivered.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready) {
      if (stop_.load()) return false;  // not confirmed: the record stays uncommitted
    }
    absl::Status sent = delivered.get();
    if (sent.ok()) {
      dead_lettered_.fetch_add(1);
      if (options_.on_dead_letter) options_.on_dead_letter(event, reason);
      log::Warn("event sent to the dead-letter topic",
                {{"topic", event.topic}, {"partition", event.partition}, {"offset", event.offset},
                 {"attempts", attempts}, {"dlq", record.topic}, {"reason", reason.ToString()}});
      return true;
    }
    log::Error("cannot write dead letter; retrying",
               {{"dlq", record.topic}, {"error", sent.ToString()}});
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, options_.backoff_max);
  }
  return false;
}

std::vector<PartitionLag> Consumer::Lag() const {
  std::vector<PartitionLag> out;
  std::lock_guard lock(lag_mu_);
  if (!consumer_) return out;
  std::vector<RdKafka::TopicPartition*> partitions;
  if (consumer_->assignment(partitions) != RdKafka::ERR_NO_ERROR) return out;
  consumer_->position(partitions);
  for (RdKafka::TopicPartition* tp : partitions) {
    int64_t low = 0, high = 0;
    if (consumer_->get_watermark_offsets(tp->topic(), tp->partition(), &low, &high) ==
            RdKafka::ERR_NO_ERROR &&
        high >= 0) {
      const int64_t position = tp->offset() >= 0 ? tp->offset() : low;
      out.push_back({tp->topic(), tp->partition(), std::max<int64_t>(0, high - position)});
    }
  }
  RdKafka::TopicPartition::destroy(partitions);
  return out;
}

void Consumer::StoreOffset(const Event& event) {
  std::unique_ptr<RdKafka::TopicPartition> tp(
      RdKafka::TopicPartition::create(event.topic, event.partition, event.offset + 1));
  std::vector<RdKafka::TopicPartition*> offsets = {tp.get()};
  RdKafka::ErrorCode err = consumer_->offsets_store(offsets);
  if (err == RdKafka::ERR__STATE) {
    // The partition was revoked while we processed the record: its new owner gets it again and
    // the inbox makes that a no-op.
    log::Debug("offset not stored: partition no longer assigned",
               {{"topic", event.topic}, {"partition", event.partition}});
  } else if (err != RdKafka::ERR_NO_ERROR) {
    log::Warn("offset not stored", {{"topic", event.topic}, {"partition", event.partition},
                                     {"error", RdKafka::err2str(err)}});
  }
}

}  // namespace rathaus::platform::kafka
