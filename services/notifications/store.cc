#include "store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "rathaus/notifications/v1/events.pb.h"
#include "rathaus_notifications_embedded.h"

namespace rathaus::notifications {
namespace {

namespace redis = ::rathaus::platform::redis;
namespace v1 = ::rathaus::notifications::v1;
namespace lua = ::rathaus::notifications::embedded;

const redis::Script& EventScript() { static const redis::Script s = redis::Script::WithPrelude("ntf_event", lua::kEvent); return s; }
const redis::Script& ClaimScript() { static const redis::Script s = redis::Script::WithPrelude("ntf_claim", lua::kClaim); return s; }
const redis::Script& FinishScript() { static const redis::Script s = redis::Script::WithPrelude("ntf_finish", lua::kFinish); return s; }
const redis::Script& RetryScript() { static const redis::Script s = redis::Script::WithPrelude("ntf_retry", lua::kRetry); return s; }
const redis::Script& HoldScript() { static const redis::Script s = redis::Script::WithPrelude("ntf_hold", lua::kHold); return s; }
const redis::Script& OptOutScript() { static const redis::Script s = redis::Script::WithPrelude("ntf_opt_out", lua::kOptOut); return s; }

std::string Ms(absl::Time t) { return absl::StrCat(absl::ToUnixMillis(t)); }
std::string Ms(absl::Duration d) { return absl::StrCat(absl::ToInt64Milliseconds(d)); }

int64_t Int(const redis::Reply& r) {
  if (r.type == redis::Reply::Type::kInteger) return r.integer;
  int64_t v = 0;
  return absl::SimpleAtoi(r.str, &v) ? v : 0;
}

}  // namespace

Store::Store(redis::Pool& pool, const platform::outbox::Outbox& outbox, StoreOptions options)
    : pool_(pool), outbox_(outbox), options_(std::move(options)) {}

absl::Status Store::ApplyEvent(const std::string& kind, const std::string& code,
                               const std::string& event_id, absl::Time start,
                               const std::vector<std::pair<std::string, absl::Time>>& reminders,
                               const std::string& inbox_key, const std::string& inbox_ttl) {
  std::string planned;
  for (const auto& [id, due] : reminders) {
    absl::StrAppend(&planned, planned.empty() ? "" : ",", id, "=", absl::ToUnixMillis(due));
  }
  auto reply = pool_.Eval(EventScript(), {inbox_key},
                          {options_.key_prefix, kind, code, event_id, Ms(start), planned,
                           inbox_ttl, Ms(options_.give_up)});
  if (!reply.ok()) return reply.status();
  if (listener_) {
    if (!kind.empty()) listener_(absl::Now());
    for (const auto& [id, due] : reminders) listener_(due);
  }
  return absl::OkStatus();
}

absl::StatusOr<Claimed> Store::ClaimDue(int max_jobs) {
  const auto asked = std::chrono::steady_clock::now();
  auto reply = pool_.Eval(ClaimScript(), {},
                          {options_.key_prefix, absl::StrCat(max_jobs), Ms(options_.lease)});
  if (!reply.ok()) return reply.status();
  if (!reply->is_array() || reply->elements.size() != 3) {
    return absl::InternalError("ntf_claim: unexpected reply");
  }
  Claimed c;
  c.now = absl::FromUnixMillis(Int(reply->elements[0]));
  if (!reply->elements[1].str.empty()) {
    c.next = absl::FromUnixMillis(Int(reply->elements[1]));
  }
  for (const redis::Reply& j : reply->elements[2].elements) {
    if (j.elements.size() != 6) continue;
    c.jobs.push_back(Job{.id = j.elements[0].str, .kind = j.elements[1].str,
                         .code = j.elements[2].str,
                         .start = absl::FromUnixMillis(Int(j.elements[3])),
                         .attempts = static_cast<int>(Int(j.elements[4])),
                         .created = absl::FromUnixMillis(Int(j.elements[5])),
                         .leased_until_ms = absl::ToUnixMillis(c.now + options_.lease),
                         .claimed = asked});
  }
  return c;
}

absl::StatusOr<bool> Store::Hold(Job& job) {
  auto reply = pool_.Eval(HoldScript(), {},
                          {options_.key_prefix, job.id, absl::StrCat(job.leased_until_ms),
                           Ms(options_.lease)});
  if (!reply.ok()) return reply.status();
  if (Int(*reply) == 0) return false;
  job.leased_until_ms = Int(*reply);
  return true;
}

absl::Status Store::Finish(const Job& job, const std::string& outcome, const std::string& reason,
                           int smtp_reply) {
  std::vector<std::string> argv = {options_.key_prefix, job.id, job.code, outcome,
                                   outbox_.stream_key()};
  const int64_t now_ns = absl::ToUnixNanos(absl::Now());
  google::protobuf::Timestamp at;
  at.set_seconds(now_ns / 1000000000);
  at.set_nanos(static_cast<int32_t>(now_ns % 1000000000));
  if (outcome == "sent") {
    v1::MessageSent e;
    e.set_message_id(job.id);
    e.set_kind(job.kind);
    e.set_subject_id(job.code);
    *e.mutable_sent_at() = at;
    e.set_attempts(job.attempts + 1);
    platform::outbox::Outbox::AppendArgs(outbox_.NewEvent(job.code, e), &argv);
  } else if (outcome == "failed") {
    v1::MessageFailed e;
    e.set_message_id(job.id);
    e.set_kind(job.kind);
    e.set_subject_id(job.code);
    *e.mutable_failed_at() = at;
    e.set_reason(reason);
    e.set_smtp_reply(smtp_reply);
    platform::outbox::Outbox::AppendArgs(outbox_.NewEvent(job.code, e), &argv);
  }
  auto reply = pool_.Eval(FinishScript(), {}, argv);
  return reply.ok() ? absl::OkStatus() : reply.status();
}

absl::StatusOr<int> Store::Retry(const Job& job, absl::Duration after) {
  auto reply = pool_.Eval(RetryScript(), {}, {options_.key_prefix, job.id, Ms(after)});
  if (!reply.ok()) return reply.status();
  if (listener_) listener_(absl::Now() + after);
  return static_cast<int>(Int(*reply));
}

absl::Status Store::OptOut(const std::string& code, absl::Duration remember) {
  auto reply = pool_.Eval(OptOutScript(), {}, {options_.key_prefix, code, Ms(remember)});
  return reply.ok() ? absl::OkStatus() : reply.status();
}

absl::StatusOr<bool> Store::OptedOut(const std::string& code) {
  auto reply = pool_.Command({"EXISTS", absl::StrCat(options_.key_prefix, "optout:", code)});
  if (!reply.ok()) return reply.status();
  return reply->integer == 1;
}

absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> Store::Counts() {
  auto reply = pool_.Command({"HGETALL", absl::StrCat(options_.key_prefix, "counts")});
  if (!reply.ok()) return reply.status();
  std::vector<std::pair<std::string, int64_t>> out;
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    out.emplace_back(reply->elements[i].str, Int(reply->elements[i + 1]));
  }
  return out;
}

}  // namespace rathaus::notifications
