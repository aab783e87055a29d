#include "smtp.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace rathaus::notifications {
namespace {

struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t ReadBody(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, upload->data->size() - upload->offset);
  std::memcpy(buffer, upload->data->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

}  // namespace

SmtpClient::SmtpClient(SmtpOptions options) : options_(std::move(options)) {
  curl_global_init(CURL_GLOBAL_DEFAULT);  // reference-counted, thread-safe since 7.84
  curl_ = curl_easy_init();
}

SmtpClient::~SmtpClient() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

SmtpResult SmtpClient::Send(const std::string& envelope_from, const std::string& recipient,
                            const std::string& wire) {
  SmtpResult result;
  CURL* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) {
    result.error = "libcurl did not initialise";
    return result;
  }
  curl_easy_reset(curl);  // keeps the connection cache: the next message reuses the connection
  const std::string url = options_.helo_domain.empty()
                              ? options_.url
                              : absl::StrCat(options_.url, "/", options_.helo_domain);
  const std::string from = absl::StrCat("<", envelope_from, ">");
  const std::string to = absl::StrCat("<", recipient, ">");
  curl_slist* recipients = curl_slist_append(nullptr, to.c_str());
  Upload upload{&wire};
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadBody);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(wire.size()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options_.timeout)));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  switch (options_.starttls) {
    case Starttls::kOff: curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_NONE)); break;
    case Starttls::kIfOffered: curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY)); break;
    case Starttls::kRequired: curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL)); break;
  }
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (!options_.user.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, options_.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, options_.password.c_str());
  }
  const CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(recipients);
  result.code = static_cast<int>(code);
  if (rc == CURLE_OK) {
    result.ok = true;
    return result;
  }
  // A 5xx reply to the recipient or the message is final (RFC 5321 §4.2.1); everything else —
  // 4xx, no connection, TLS, a refused login (the operator fixes the setting) — is tried again.
  result.permanent = code >= 500 && code < 600 &&
                     (rc == CURLE_WEIRD_SERVER_REPLY ||
                      rc == CURLE_UPLOAD_FAILED || rc == CURLE_SEND_ERROR ||
                      rc == CURLE_RECV_ERROR);
  result.error = absl::StrCat(curl_easy_strerror(rc), error[0] != '\0' ? ": " : "", error,
                              code != 0 ? absl::StrCat(" (reply ", code, ")") : "");
  return result;
}

}  // namespace rathaus::notifications
