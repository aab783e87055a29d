#include "shared/kafka/producer.h"

#include <librdkafka/rdkafkacpp.h>

#include <future>

#include "absl/strings/str_cat.h"
#include "shared/kafka/connection.h"
#include "shared/log/log.h"

namespace rathaus::platform::kafka {

// Errors that sending the same record again can never cure are INVALID_ARGUMENT (the outbox
// relay sets such an entry aside); everything else is UNAVAILABLE.
absl::Status DeliveryError(RdKafka::ErrorCode code, std::string message) {
  switch (code) {
    case RdKafka::ERR_MSG_SIZE_TOO_LARGE:
    case RdKafka::ERR_INVALID_MSG:
    case RdKafka::ERR_INVALID_MSG_SIZE:
    case RdKafka::ERR_INVALID_RECORD:
    case RdKafka::ERR_RECORD_LIST_TOO_LARGE:
    case RdKafka::ERR_INVALID_TIMESTAMP:
    case RdKafka::ERR__BAD_MSG:
    case RdKafka::ERR__INVALID_ARG:
      return absl::InvalidArgumentError(std::move(message));
    default:
      return absl::UnavailableError(std::move(message));
  }
}

// Owns the per-record callback between Send and the delivery report.
class DeliveryReporter : public RdKafka::DeliveryReportCb {
 public:
  explicit DeliveryReporter(Producer* owner) : owner_(owner) {}
  void dr_cb(RdKafka::Message& message) override {
    std::unique_ptr<Producer::DeliveryCallback> done(
        static_cast<Producer::DeliveryCallback*>(message.msg_opaque()));
    owner_->in_flight_.fetch_sub(1);
    if (!done) return;
    if (message.err() == RdKafka::ERR_NO_ERROR) {
      (*done)(absl::OkStatus());
    } else {
      (*done)(DeliveryError(message.err(),
                            absl::StrCat("kafka: delivery to ", message.topic_name(),
                                         " failed: ", message.errstr())));
    }
  }

 private:
  Producer* owner_;
};

namespace {

class LogEvents : public RdKafka::EventCb {
 public:
  void event_cb(RdKafka::Event& event) override {
    if (event.type() == RdKafka::Event::EVENT_ERROR) {
      log::Write(event.fatal() ? log::Level::kError : log::Level::kWarn, "kafka producer error",
                 {{"error", RdKafka::err2str(event.err())}, {"detail", event.str()}});
    } else if (event.type() == RdKafka::Event::EVENT_LOG && event.severity() <= 4) {
      log::Warn("kafka producer", {{"facility", event.fac()}, {"detail", event.str()}});
    }
  }
};
LogEvents* SharedLogEvents() {
  static auto* events = new LogEvents;
  return events;
}

absl::Status Set(RdKafka::Conf* conf, const std::string& name, const std::string& value) {
  std::string err;
  if (conf->set(name, value, err) != RdKafka::Conf::CONF_OK) {
    return absl::InvalidArgumentError(absl::StrCat("kafka: ", name, "=", value, ": ", err));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Producer>> Producer::Create(const ProducerOptions& options) {
  std::unique_ptr<Producer> p(new Producer);
  p->reporter_ = std::make_unique<DeliveryReporter>(p.get());
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  const std::vector<std::pair<std::string, std::string>> settings = {
      {"bootstrap.servers", options.brokers},
      {"client.id", options.client_id},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"linger.ms", absl::StrCat(options.linger_ms)},
      {"message.timeout.ms", absl::StrCat(options.message_timeout_ms)},
      {"compression.type", options.compression},
      {"partitioner", "murmur2_random"},
      {"queue.buffering.max.messages", "200000"},
  };
  for (const auto& [k, v] : settings) {
    if (auto s = Set(conf.get(), k, v); !s.ok()) return s;
  }
  for (const auto& [k, v] : ConnectionSettings()) {
    if (auto s = Set(conf.get(), k, v); !s.ok()) return s;
  }
  for (const auto& [k, v] : options.extra) {
    if (auto s = Set(conf.get(), k, v); !s.ok()) return s;
  }
  std::string err;
  if (conf->set("dr_cb", p->reporter_.get(), err) != RdKafka::Conf::CONF_OK ||
      conf->set("event_cb", SharedLogEvents(), err) != RdKafka::Conf::CONF_OK) {
    return absl::InternalError(absl::StrCat("kafka: ", err));
  }
  p->producer_.reset(RdKafka::Producer::create(conf.get(), err));
  if (!p->producer_) return absl::InvalidArgumentError(absl::StrCat("kafka: ", err));
  p->poller_ = std::thread([raw = p.get()] { raw->PollLoop(); });
  return p;
}

Producer::~Producer() {
  if (producer_) {
    if (auto s = Flush(absl::Seconds(10)); !s.ok()) {
      log::Warn("kafka producer closed with records undelivered", {{"count", in_flight()}});
    }
  }
  stop_ = true;
  if (poller_.joinable()) poller_.join();
  // Undelivered records still hold their callbacks; purge so each runs (with an error).
  if (producer_) {
    producer_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
    producer_->poll(0);
  }
}

void Producer::PollLoop() {
  while (!stop_.load()) producer_->poll(50);
}

void Producer::Send(Record record, DeliveryCallback done) {
  RdKafka::Headers* headers = RdKafka::Headers::create();
  for (const auto& [name, value] : record.headers) headers->add(name, value);
  auto* opaque = new DeliveryCallback(std::move(done));
  in_flight_.fetch_add(1);
  for (;;) {
    RdKafka::ErrorCode err = producer_->produce(
        record.topic, record.partition, RdKafka::Producer::RK_MSG_COPY,
        const_cast<char*>(record.value.data()), record.value.size(), record.key.data(),
        record.key.size(), 0, headers, opaque);
    if (err == RdKafka::ERR_NO_ERROR) return;  // librdkafka owns the headers now
    if (err == RdKafka::ERR__QUEUE_FULL) {
      // Back-pressure: wait for delivery reports to make room.
      producer_->poll(10);
      continue;
    }
    delete headers;
    in_flight_.fetch_sub(1);
    std::unique_ptr<DeliveryCallback> cb(opaque);
    (*cb)(DeliveryError(err, absl::StrCat("kafka: cannot queue record for ", record.topic, ": ",
                                          RdKafka::err2str(err))));
    return;
  }
}

absl::Status Producer::SendAndWait(Record record, absl::Duration timeout) {
  auto promise = std::make_shared<std::promise<absl::Status>>();
  std::future<absl::Status> result = promise->get_future();
  Send(std::move(record), [promise](absl::Status s) { promise->set_value(std::move(s)); });
  if (result.wait_for(absl::ToChronoNanoseconds(timeout)) != std::future_status::ready) {
    return absl::DeadlineExceededError("kafka: no delivery report within the timeout");
  }
  return result.get();
}

absl::Status Producer::Flush(absl::Duration timeout) {
  RdKafka::ErrorCode err = producer_->flush(static_cast<int>(absl::ToInt64Milliseconds(timeout)));
  if (err != RdKafka::ERR_NO_ERROR) {
    return absl::DeadlineExceededError(
        absl::StrCat("kafka: flush: ", in_flight(), " records without delivery report"));
  }
  return absl::OkStatus();
}

void Producer::Purge(absl::Duration wait) {
  producer_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
  const absl::Time until = absl::Now() + wait;
  while (in_flight() > 0 && absl::Now() < until) producer_->poll(10);
}

absl::Status Producer::Ping(absl::Duration timeout) {
  RdKafka::Metadata* md = nullptr;
  RdKafka::ErrorCode err = producer_->metadata(
      false, nullptr, &md, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
  std::unique_ptr<RdKafka::Metadata> owned(md);
  if (err != RdKafka::ERR_NO_ERROR) {
    return absl::UnavailableError(absl::StrCat("kafka: ", RdKafka::err2str(err)));
  }
  return absl::OkStatus();
}

Headers CloudEventHeaders(const CloudEvent& e) {
  Headers h = {
      {"ce_specversion", "1.0"}, {"ce_id", e.id},           {"ce_source", e.source},
      {"ce_type", e.type},       {"ce_time", e.time},       {"ce_subject", e.subject},
      {"content-type", "application/protobuf"},
  };
  if (!e.traceparent.empty()) h.emplace_back("traceparent", e.traceparent);
  return h;
}

}  // namespace rathaus::platform::kafka
