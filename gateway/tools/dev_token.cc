// rathaus-dev-token: development keys and clerk tokens, so `make up` can start the gateway with
// a clerk key and hand the developer a working token.
//
//   rathaus-dev-token keygen KEYFILE PUBFILE
//       writes a new EC P-256 key pair (PEM; the private key file mode 0600)
//   rathaus-dev-token clerk KEYFILE [--offices a,b|*] [--days N|--hours N] [--iss I] [--aud A] [--sub S]
//       prints an ES256 JWT with role=clerk (default: offices *, 12 hours — the services'
//       RATHAUS_JWT_MAX_LIFETIME default —, iss rathaus, aud rathaus-gateway, sub dev-clerk)
//   rathaus-dev-token invoice-clerk KEYFILE [--departments a,b|*] [--days N|--hours N] [--sub S] ...
//       the same with role=invoice-clerk and the claim departments (default *, sub
//       dev-invoice-clerk)
//   rathaus-dev-token integrator KEYFILE [--scope a,b] [--days N|--hours N] [--sub S] ...
//       role=integrator with the OAuth claim scope (default "id-documents:status", sub
//       dev-integrator): a Fachverfahren's token
//   rathaus-dev-token supplier KEYFILE [--days N|--hours N] [--sub S] ...
//       role=supplier (sub dev-supplier): a company that uploads invoices
//   rathaus-dev-token registration-clerk KEYFILE [--offices a,b|*] [--days N|--hours N] [--sub S] ...
//       role=registration-clerk with the claim offices (sub dev-registration-clerk)
//   rathaus-dev-token citizen KEYFILE [--days N|--hours N] [--sub S] [--acr A] ...
//       role=citizen (sub dev-citizen: the identity provider's pseudonym for the person; acr
//       "dev", the sign-in level)
//   rathaus-dev-token file-clerk KEYFILE [--departments a,b|*] [--days N|--hours N] [--sub S] ...
//       role=file-clerk (e-file) with the claim departments (sub dev-file-clerk)
//   rathaus-dev-token archivist KEYFILE [--days N|--hours N] [--sub S] ...
//       role=archivist (e-file: every Akte, disposal, export; sub dev-archivist)
//
// Never use these tokens in production: whoever holds KEYFILE can mint clerk tokens.
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gateway/jwt.h"
#include "shared/log/log.h"

namespace {

namespace gw = rathaus::gateway;

int Usage() {
  std::cerr << "usage: rathaus-dev-token keygen KEYFILE PUBFILE\n"
               "       rathaus-dev-token clerk KEYFILE [--offices a,b|*] [--days N|--hours N] [--iss I] "
               "[--aud A] [--sub S]\n"
               "       rathaus-dev-token invoice-clerk KEYFILE [--departments a,b|*] [--days N|--hours N] "
               "[--iss I] [--aud A] [--sub S]\n"
               "       rathaus-dev-token integrator KEYFILE [--scope a,b] [--days N|--hours N] [--iss I] "
               "[--aud A] [--sub S]\n"
               "       rathaus-dev-token supplier KEYFILE [--days N|--hours N] [--iss I] [--aud A] "
               "[--sub S]\n"
               "       rathaus-dev-token registration-clerk|file-clerk KEYFILE [--offices|--departments "
               "a,b|*] [--days N|--hours N] [--sub S]\n"
               "       rathaus-dev-token citizen|archivist KEYFILE [--days N|--hours N] [--sub S]\n";
  return 2;
}

bool WriteFile(const std::string& path, const std::string& data, mode_t mode) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  return out.good() && chmod(path.c_str(), mode) == 0;
}

int Keygen(const std::string& key_file, const std::string& pub_file) {
  auto pair = gw::GenerateEcP256Key();
  if (!pair.ok()) {
    std::cerr << "rathaus-dev-token: " << pair.status().message() << "\n";
    return 1;
  }
  if (!WriteFile(key_file, pair->private_pem, 0600) || !WriteFile(pub_file, pair->public_pem, 0644)) {
    std::cerr << "rathaus-dev-token: cannot write " << key_file << " or " << pub_file << "\n";
    return 1;
  }
  return 0;
}

std::string JsonString(const std::string& s) {
  std::string out;
  rathaus::platform::log::AppendJsonString(&out, s);
  return out;
}

int Clerk(const std::string& role, const std::string& key_file,
          const std::vector<std::string>& flags) {
  const bool counter = role == "clerk" || role == "registration-clerk";
  const bool integrator = role == "integrator";
  const bool supplier = role == "supplier";
  const bool citizen = role == "citizen";
  const bool archivist = role == "archivist";
  const std::string scope_flag = counter ? "--offices" : integrator ? "--scope" : "--departments";
  std::string offices = integrator ? "id-documents:status" : "*", iss = "rathaus",
              aud = "rathaus-gateway",
              sub = role == "registration-clerk" ? "dev-registration-clerk"
                    : counter                     ? "dev-clerk"
                    : integrator                  ? "dev-integrator"
                    : supplier                    ? "dev-supplier"
                    : citizen                     ? "dev-citizen"
                    : archivist                   ? "dev-archivist"
                    : role == "file-clerk"        ? "dev-file-clerk"
                                                  : "dev-invoice-clerk";
  int64_t lifetime_seconds = 12 * 3600;
  std::string acr = "dev";  // citizen: the sign-in level (OpenID Connect acr)
  for (size_t i = 0; i < flags.size(); i += 2) {
    if (i + 1 >= flags.size()) return Usage();
    const std::string& name = flags[i];
    const std::string& value = flags[i + 1];
    if (name == scope_flag) {
      offices = value;
    } else if (name == "--days") {
      int64_t days = 0;
      if (!absl::SimpleAtoi(value, &days) || days < 1 || days > 3650) return Usage();
      lifetime_seconds = days * 86400;
    } else if (name == "--hours") {
      int64_t hours = 0;
      if (!absl::SimpleAtoi(value, &hours) || hours < 1 || hours > 3650 * 24) return Usage();
      lifetime_seconds = hours * 3600;
    } else if (name == "--iss") {
      iss = value;
    } else if (name == "--aud") {
      aud = value;
    } else if (name == "--sub") {
      sub = value;
    } else if (name == "--acr" && citizen) {
      acr = value;
    } else {
      return Usage();
    }
  }
  std::ifstream in(key_file, std::ios::binary);
  if (!in) {
    std::cerr << "rathaus-dev-token: cannot read " << key_file << "\n";
    return 1;
  }
  std::stringstream pem;
  pem << in.rdbuf();
  std::vector<std::string> office_list = absl::StrSplit(offices, ',', absl::SkipEmpty());
  std::vector<std::string> quoted;
  for (const auto& o : office_list) quoted.push_back(JsonString(o));
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  // An integrator's scopes are one space-separated string (OAuth 2.0), a clerk's scope a list.
  const std::string scope_claim =
      supplier     ? std::string("\"supplier\":true")
      : citizen    ? absl::StrCat("\"acr\":", JsonString(acr))
      : archivist  ? std::string("\"archivist\":true")
      : integrator ? absl::StrCat("\"scope\":", JsonString(absl::StrJoin(office_list, " ")))
                 : absl::StrCat("\"", counter ? "offices" : "departments", "\":[",
                                absl::StrJoin(quoted, ","), "]");
  const std::string claims = absl::StrCat(
      "{\"iss\":", JsonString(iss), ",\"aud\":", JsonString(aud), ",\"sub\":", JsonString(sub),
      ",\"role\":", JsonString(role), ",", scope_claim, ",\"iat\":", now,
      ",\"nbf\":", now, ",\"exp\":", now + lifetime_seconds, "}");
  auto token = gw::SignJwt(pem.str(), claims);
  if (!token.ok()) {
    std::cerr << "rathaus-dev-token: " << token.status().message() << "\n";
    return 1;
  }
  std::cout << *token << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 3 && args[0] == "keygen") return Keygen(args[1], args[2]);
  if (args.size() >= 2 &&
      (args[0] == "clerk" || args[0] == "invoice-clerk" || args[0] == "integrator" ||
       args[0] == "supplier" || args[0] == "registration-clerk" || args[0] == "citizen" ||
       args[0] == "file-clerk" || args[0] == "archivist")) {
    return Clerk(args[0], args[1], std::vector<std::string>(args.begin() + 2, args.end()));
  }
  return Usage();
}
