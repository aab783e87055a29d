// rathaus-outbox: the operator's view of a service's outbox quarantine, where the relay sets
// aside entries that Kafka refused for good (shared/outbox/relay.h).
//
//   rathaus-outbox status   <key prefix>          outbox and quarantine sizes
//   rathaus-outbox list     <key prefix>          quarantined entries: id, type, key, reason
//   rathaus-outbox drop     <key prefix> <id>     deletes one quarantined entry
//   rathaus-outbox resend   <key prefix> <id>     moves it back to the end of the outbox
//
// <key prefix> is the service's Redis prefix (appt:, inv:, ...); Redis is named as for the service
// (RATHAUS_REDIS_URL or RATHAUS_REDIS_URL_FILE; rediss:// with RATHAUS_REDIS_TLS_*).
// Exit codes: 0 done, 1 Redis or entry trouble, 2 usage.
#include <cstdio>
#include <string>
#include <vector>

#include "shared/config/config.h"
#include "shared/config/platform.h"
#include "shared/redis/redis.h"

namespace {

namespace redis = ::rathaus::platform::redis;

int Usage() {
  std::fprintf(stderr,
               "usage: rathaus-outbox status|list <key prefix>\n"
               "       rathaus-outbox drop|resend <key prefix> <quarantine entry id>\n");
  return 2;
}

const std::string& Field(const redis::Reply& fields, const std::string& name) {
  static const std::string kEmpty;
  for (size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    if (fields.elements[i].str == name) return fields.elements[i + 1].str;
  }
  return kEmpty;
}

// Moves a quarantined entry back to the outbox (without the quarantine's own fields).
const redis::Script& ResendScript() {
  static const redis::Script s("outbox_resend", R"lua(
local entries = redis.call('XRANGE', KEYS[2], ARGV[1], ARGV[1])
if #entries == 0 then return 0 end
local f = entries[1][2]
local out = {}
for i = 1, #f, 2 do
  if f[i] ~= 'outbox_id' and f[i] ~= 'reason' then
    out[#out + 1] = f[i]
    out[#out + 1] = f[i + 1]
  end
end
redis.call('XADD', KEYS[1], '*', unpack(out))
redis.call('XDEL', KEYS[2], ARGV[1])
return 1
)lua");
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return Usage();
  const std::string command = argv[1];
  const std::string prefix = argv[2];
  const bool with_id = command == "drop" || command == "resend";
  if ((with_id && argc != 4) || (!with_id && argc != 3)) return Usage();
  if (!with_id && command != "status" && command != "list") return Usage();

  // The service's own Redis settings, read as the service reads them (RATHAUS_REDIS_URL or
  // RATHAUS_REDIS_URL_FILE, rediss:// with RATHAUS_REDIS_TLS_*), so it runs in the service's pod.
  rathaus::platform::EnvConfig env;
  const rathaus::platform::PlatformConfig config = rathaus::platform::PlatformConfig::FromEnv(env, "outbox-tool");
  if (!env.ok()) {
    for (const auto& e : env.errors()) std::fprintf(stderr, "config: %s\n", e.c_str());
    return 2;
  }
  redis::Pool pool(config.redis);
  const std::string outbox = prefix + "outbox";
  const std::string quarantine = outbox + ":quarantine";

  if (command == "status") {
    auto pending = pool.Command({"XLEN", outbox});
    auto held = pool.Command({"XLEN", quarantine});
    if (!pending.ok() || !held.ok()) {
      std::fprintf(stderr, "redis: %s\n", std::string((pending.ok() ? held : pending).status().message()).c_str());
      return 1;
    }
    std::printf("outbox %s: %lld pending\nquarantine %s: %lld entries\n", outbox.c_str(),
                static_cast<long long>(pending->integer), quarantine.c_str(),
                static_cast<long long>(held->integer));
    return 0;
  }
  if (command == "list") {
    auto entries = pool.Command({"XRANGE", quarantine, "-", "+"});
    if (!entries.ok()) {
      std::fprintf(stderr, "redis: %s\n", std::string(entries.status().message()).c_str());
      return 1;
    }
    std::printf("id\tevent_id\ttype\tkey\tpayload_bytes\treason\n");
    for (const redis::Reply& e : entries->elements) {
      if (e.elements.size() != 2) continue;
      const redis::Reply& f = e.elements[1];
      std::printf("%s\t%s\t%s\t%s\t%zu\t%s\n", e.elements[0].str.c_str(), Field(f, "id").c_str(),
                  Field(f, "type").c_str(), Field(f, "key").c_str(), Field(f, "payload").size(),
                  Field(f, "reason").c_str());
    }
    return 0;
  }
  const std::string id = argv[3];
  if (command == "drop") {
    auto r = pool.Command({"XDEL", quarantine, id});
    if (!r.ok() || r->integer != 1) {
      std::fprintf(stderr, "no quarantined entry %s in %s\n", id.c_str(), quarantine.c_str());
      return 1;
    }
    std::printf("dropped %s\n", id.c_str());
    return 0;
  }
  auto r = pool.Eval(ResendScript(), {outbox, quarantine}, {id});
  if (!r.ok() || r->integer != 1) {
    std::fprintf(stderr, "no quarantined entry %s in %s\n", id.c_str(), quarantine.c_str());
    return 1;
  }
  std::printf("moved %s back to %s\n", id.c_str(), outbox.c_str());
  return 0;
}
