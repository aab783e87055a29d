#include "shared/log/log.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rathaus::platform::log {
namespace {

using ::testing::ElementsAre;
using ::testing::MatchesRegex;
using ::testing::Pair;
using ::testing::StartsWith;

// A strict reader for the one shape the logger writes: a flat JSON object whose values are
// strings, numbers, booleans or null (RFC 8259). It rejects anything a JSON parser would,
// including raw control characters and invalid UTF-8 inside strings, so a line it accepts is
// valid JSON. Values come back as their decoded string or their literal text.
class FlatJsonReader {
 public:
  using Object = std::vector<std::pair<std::string, std::string>>;

  static std::optional<Object> Parse(std::string_view text) {
    FlatJsonReader reader(text);
    Object object;
    if (!reader.Consume('{')) return std::nullopt;
    if (!reader.Consume('}')) {
      do {
        std::optional<std::string> key = reader.String();
        if (!key || !reader.Consume(':')) return std::nullopt;
        std::optional<std::string> value = reader.Value();
        if (!value) return std::nullopt;
        object.emplace_back(*std::move(key), *std::move(value));
      } while (reader.Consume(','));
      if (!reader.Consume('}')) return std::nullopt;
    }
    if (reader.pos_ != text.size()) return std::nullopt;
    return object;
  }

 private:
  explicit FlatJsonReader(std::string_view text) : text_(text) {}

  bool Consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  std::optional<std::string> Value() {
    if (pos_ >= text_.size()) return std::nullopt;
    if (text_[pos_] == '"') return String();
    for (std::string_view literal : {"true", "false", "null"}) {
      if (text_.substr(pos_, literal.size()) == literal) {
        pos_ += literal.size();
        return std::string(literal);
      }
    }
    return Number();
  }

  std::optional<std::string> Number() {
    const size_t start = pos_;
    Consume('-');
    if (!Consume('0') && !Digits()) return std::nullopt;
    if (Consume('.') && !Digits()) return std::nullopt;
    if (Consume('e') || Consume('E')) {
      if (!Consume('+')) Consume('-');
      if (!Digits()) return std::nullopt;
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  bool Digits() {
    const size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  std::optional<uint32_t> Hex4() {
    if (pos_ + 4 > text_.size()) return std::nullopt;
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      value <<= 4;
      if (c >= '0' && c <= '9') {
        value |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        value |= c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        value |= c - 'A' + 10;
      } else {
        return std::nullopt;
      }
    }
    return value;
  }

  static void AppendUtf8(std::string* out, uint32_t cp) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }

  // Decodes one raw UTF-8 code point by value, then rejects overlong forms, surrogates and
  // anything above U+10FFFF.
  bool RawUtf8(std::string* out) {
    const auto at = [&](size_t k) { return static_cast<unsigned char>(text_[k]); };
    const unsigned char lead = at(pos_);
    int extra;
    uint32_t cp;
    if ((lead & 0xe0) == 0xc0) {
      extra = 1;
      cp = lead & 0x1f;
    } else if ((lead & 0xf0) == 0xe0) {
      extra = 2;
      cp = lead & 0x0f;
    } else if ((lead & 0xf8) == 0xf0) {
      extra = 3;
      cp = lead & 0x07;
    } else {
      return false;
    }
    if (pos_ + extra >= text_.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      if ((at(pos_ + k) & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (at(pos_ + k) & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    out->append(text_.substr(pos_, extra + 1));
    pos_ += extra + 1;
    return true;
  }

  std::optional<std::string> String() {
    if (!Consume('"')) return std::nullopt;
    std::string out;
    while (pos_ < text_.size()) {
      const unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) return std::nullopt;
      if (c >= 0x80) {
        if (!RawUtf8(&out)) return std::nullopt;
        continue;
      }
      ++pos_;
      if (c != '\\') {
        out.push_back(static_cast<char>(c));
        continue;
      }
      if (pos_ >= text_.size()) return std::nullopt;
      const char escape = text_[pos_++];
      switch (escape) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          std::optional<uint32_t> cp = Hex4();
          if (!cp) return std::nullopt;
          if (*cp >= 0xd800 && *cp <= 0xdbff) {
            if (!Consume('\\') || !Consume('u')) return std::nullopt;
            std::optional<uint32_t> low = Hex4();
            if (!low || *low < 0xdc00 || *low > 0xdfff) return std::nullopt;
            *cp = 0x10000 + ((*cp - 0xd800) << 10) + (*low - 0xdc00);
          } else if (*cp >= 0xdc00 && *cp <= 0xdfff) {
            return std::nullopt;
          }
          AppendUtf8(&out, *cp);
          break;
        }
        default:
          return std::nullopt;
      }
    }
    return std::nullopt;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

constexpr char kReplacement[] = "\xef\xbf\xbd";  // U+FFFD in UTF-8

std::string Json(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

// Every test writes into its own stream and puts the logger back on stdout afterwards, so a
// destroyed stream is never left behind for the next test.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override { Init("test", Level::kDebug, &out_); }
  void TearDown() override { Init("", Level::kInfo, nullptr); }

  std::vector<std::string> Lines() const {
    std::string text = out_.str();
    EXPECT_TRUE(text.empty() || text.back() == '\n') << "last line is not terminated";
    std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
    return lines;
  }

  FlatJsonReader::Object OnlyLine() const {
    std::vector<std::string> lines = Lines();
    EXPECT_EQ(lines.size(), 1u);
    if (lines.empty()) return {};
    std::optional<FlatJsonReader::Object> object = FlatJsonReader::Parse(lines[0]);
    EXPECT_TRUE(object.has_value()) << "not valid JSON: " << lines[0];
    return object.value_or(FlatJsonReader::Object{});
  }

  std::ostringstream out_;
};

TEST_F(LogTest, WritesOneJsonObjectPerLineInFixedOrder) {
  Init("appointments", Level::kInfo, &out_);
  Info("relay started", {{"topic", "rathaus.appointments.v1"}, {"batch", 500}});
  const std::string text = out_.str();
  ASSERT_THAT(text, StartsWith(R"({"ts":")"));
  const size_t ts_end = text.find("\",");
  EXPECT_EQ(text.substr(ts_end),
            "\",\"level\":\"info\",\"service\":\"appointments\",\"msg\":\"relay started\","
            "\"trace_id\":\"\",\"topic\":\"rathaus.appointments.v1\",\"batch\":500}\n");
}

TEST_F(LogTest, TimestampIsRfc3339UtcWithMicroseconds) {
  const absl::Time before = absl::Now();
  Info("tick");
  const absl::Time after = absl::Now();
  FlatJsonReader::Object line = OnlyLine();
  ASSERT_FALSE(line.empty());
  ASSERT_EQ(line[0].first, "ts");
  const std::string& ts = line[0].second;
  EXPECT_THAT(ts,
              MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z"));
  absl::Time parsed;
  std::string error;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, ts, &parsed, &error)) << error;
  EXPECT_GE(parsed, absl::Floor(before - absl::UnixEpoch(), absl::Microseconds(1)) +
                        absl::UnixEpoch());
  EXPECT_LE(parsed, after);
}

TEST_F(LogTest, FieldTypesAreWrittenAsJsonValues) {
  const std::string owned = "owned";
  Info("types", {{"sv", std::string_view("view")},
                 {"str", owned},
                 {"cstr", "literal"},
                 {"int", 42},
                 {"neg", int64_t{-7}},
                 {"u32", uint32_t{4000000000u}},
                 {"max", std::numeric_limits<int64_t>::max()},
                 {"yes", true},
                 {"no", false},
                 {"half", 0.5},
                 {"big", 1e300},
                 {"nan", std::nan("")},
                 {"inf", std::numeric_limits<double>::infinity()},
                 {"ninf", -std::numeric_limits<double>::infinity()}});
  EXPECT_THAT(OnlyLine(),
              ElementsAre(Pair("ts", ::testing::_), Pair("level", "info"),
                          Pair("service", "test"), Pair("msg", "types"), Pair("trace_id", ""),
                          Pair("sv", "view"), Pair("str", "owned"), Pair("cstr", "literal"),
                          Pair("int", "42"), Pair("neg", "-7"), Pair("u32", "4000000000"),
                          Pair("max", "9223372036854775807"), Pair("yes", "true"),
                          Pair("no", "false"), Pair("half", "0.5"), Pair("big", "1e+300"),
                          Pair("nan", "null"), Pair("inf", "null"), Pair("ninf", "null")));
}

TEST_F(LogTest, LevelNamesAndFiltering) {
  Init("test", Level::kWarn, &out_);
  EXPECT_FALSE(Enabled(Level::kDebug));
  EXPECT_FALSE(Enabled(Level::kInfo));
  EXPECT_TRUE(Enabled(Level::kWarn));
  EXPECT_TRUE(Enabled(Level::kError));
  Debug("d");
  Info("i");
  Warn("w");
  Error("e");
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], ::testing::HasSubstr(R"("level":"warn","service":"test","msg":"w")"));
  EXPECT_THAT(lines[1], ::testing::HasSubstr(R"("level":"error","service":"test","msg":"e")"));

  out_.str("");
  Init("test", Level::kDebug, &out_);
  Debug("d");
  ASSERT_EQ(Lines().size(), 1u);
  EXPECT_THAT(Lines()[0], ::testing::HasSubstr(R"("level":"debug")"));
}

TEST_F(LogTest, InitAgainSwitchesServiceAndStream) {
  std::ostringstream second;
  Info("first");
  Init("payments", Level::kInfo, &second);
  Info("second");
  EXPECT_THAT(out_.str(), ::testing::HasSubstr(R"("service":"test","msg":"first")"));
  EXPECT_THAT(out_.str(), ::testing::Not(::testing::HasSubstr("second")));
  EXPECT_THAT(second.str(), ::testing::HasSubstr(R"("service":"payments","msg":"second")"));
  Init("test", Level::kDebug, &out_);  // `second` dies before TearDown
}

TEST(ParseLevelTest, ReadsTheFourNames) {
  EXPECT_EQ(ParseLevel("debug").value(), Level::kDebug);
  EXPECT_EQ(ParseLevel("info").value(), Level::kInfo);
  EXPECT_EQ(ParseLevel("warn").value(), Level::kWarn);
  EXPECT_EQ(ParseLevel("error").value(), Level::kError);
  EXPECT_EQ(ParseLevel("INFO").value(), Level::kInfo);
  for (std::string_view bad : {"", "warning", "trace", "fatal", " info"}) {
    EXPECT_EQ(ParseLevel(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST_F(LogTest, ScopedTraceIdNestsAndRestores) {
  EXPECT_EQ(CurrentTraceId(), "");
  {
    ScopedTraceId outer("4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_EQ(CurrentTraceId(), "4bf92f3577b34da6a3ce929d0e0e4736");
    Info("outer");
    {
      ScopedTraceId inner("0af7651916cd43dd8448eb211c80319c");
      EXPECT_EQ(CurrentTraceId(), "0af7651916cd43dd8448eb211c80319c");
      Info("inner");
    }
    EXPECT_EQ(CurrentTraceId(), "4bf92f3577b34da6a3ce929d0e0e4736");
    Info("outer again");
  }
  EXPECT_EQ(CurrentTraceId(), "");
  Info("none");

  std::vector<std::string> trace_ids;
  for (const std::string& line : Lines()) {
    std::optional<FlatJsonReader::Object> object = FlatJsonReader::Parse(line);
    ASSERT_TRUE(object.has_value()) << line;
    ASSERT_EQ((*object)[4].first, "trace_id");
    trace_ids.push_back((*object)[4].second);
  }
  EXPECT_THAT(trace_ids,
              ElementsAre("4bf92f3577b34da6a3ce929d0e0e4736", "0af7651916cd43dd8448eb211c80319c",
                          "4bf92f3577b34da6a3ce929d0e0e4736", ""));
}

TEST_F(LogTest, TraceIdBelongsToItsThread) {
  ScopedTraceId scope("4bf92f3577b34da6a3ce929d0e0e4736");
  std::string seen_by_other = "unset";
  std::thread other([&] { seen_by_other = std::string(CurrentTraceId()); });
  other.join();
  EXPECT_EQ(seen_by_other, "");
  EXPECT_EQ(CurrentTraceId(), "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(AppendJsonStringTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(Json(""), R"("")");
  EXPECT_EQ(Json("plain text / slash"), R"("plain text / slash")");
  EXPECT_EQ(Json("say \"hi\""), R"("say \"hi\"")");
  EXPECT_EQ(Json("C:\\Temp"), R"("C:\\Temp")");
  EXPECT_EQ(Json("a\nb\rc\td"), R"("a\nb\rc\td")");
  EXPECT_EQ(Json(std::string_view("\0", 1)), R"("\u0000")");
  EXPECT_EQ(Json("\x01\x08\x0c\x1b\x1f"), R"("\u0001\u0008\u000c\u001b\u001f")");
  EXPECT_EQ(Json("\x7f"), R"("\u007f")");
  EXPECT_EQ(Json(" ~"), R"(" ~")");
}

TEST(AppendJsonStringTest, AppendsToExistingText) {
  std::string out = "prefix:";
  AppendJsonString(&out, "x");
  EXPECT_EQ(out, "prefix:\"x\"");
}

TEST(AppendJsonStringTest, KeepsValidUtf8) {
  for (std::string_view ok : {"Stra\xc3\x9f" "e", "\xe2\x82\xac 12", "\xf0\x9f\x8f\x9b",
                              "\xed\x9f\xbf", "\xee\x80\x80", "\xf4\x8f\xbf\xbf",
                              "\xc2\x80", "\xe0\xa0\x80", "\xf0\x90\x80\x80"}) {
    EXPECT_EQ(Json(ok), "\"" + std::string(ok) + "\"") << Json(ok);
  }
}

TEST(AppendJsonStringTest, ReplacesInvalidUtf8WithReplacementCharacter) {
  const std::string r = kReplacement;
  struct Case {
    std::string_view input;
    std::string expected;  // without the quotes
  };
  const Case cases[] = {
      {"\xff", r},                                  // never valid
      {"a\x80z", "a" + r + "z"},                    // stray continuation byte
      {"\xc3", r},                                  // truncated at the end
      {"\xc3z", r + "z"},                           // truncated before ASCII
      {"\xe2\x82", r},                              // truncated 3-byte sequence: one U+FFFD
      {"\xe2\x82z", r + "z"},
      {"\xc0\xaf", r + r},                          // overlong '/'
      {"\xe0\x80\xaf", r + r + r},                  // overlong, 3 bytes
      {"\xed\xa0\x80", r + r + r},                  // UTF-16 surrogate D800
      {"\xf4\x90\x80\x80", r + r + r + r},          // above U+10FFFF
      {"\xf5\x80\x80\x80", r + r + r + r},          // lead byte out of range
      {"\xf0\x9f\x8f", r},                          // truncated 4-byte sequence
      {"ok\xf0\x9f\x8f\x9b\xffok", "ok\xf0\x9f\x8f\x9b" + r + "ok"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Json(c.input), "\"" + c.expected + "\"") << Json(c.input);
  }
}

TEST_F(LogTest, LinesStayValidJsonWhateverTheBytes) {
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte.push_back(static_cast<char>(b));
  Warn(every_byte, {{every_byte, every_byte}, {"quote\"key", "\\"}});
  FlatJsonReader::Object line = OnlyLine();
  ASSERT_EQ(line.size(), 7u);
  EXPECT_EQ(line[3].first, "msg");
  EXPECT_EQ(line[3].second.substr(0, 128), every_byte.substr(0, 128));
  EXPECT_EQ(line[6], std::make_pair(std::string("quote\"key"), std::string("\\")));
}

TEST_F(LogTest, ServiceNameIsEscaped) {
  Init("odd\"name\n", Level::kInfo, &out_);
  Info("x");
  FlatJsonReader::Object line = OnlyLine();
  ASSERT_GE(line.size(), 3u);
  EXPECT_EQ(line[2], std::make_pair(std::string("service"), std::string("odd\"name\n")));
}

TEST_F(LogTest, ConcurrentWritersNeverInterleaveLines) {
  constexpr int kThreads = 4;
  constexpr int kLinesPerThread = 1000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      ScopedTraceId trace(absl::StrCat("trace-", t));
      for (int i = 0; i < kLinesPerThread; ++i) {
        Info("booking reserved", {{"thread", t}, {"seq", i}, {"padding", std::string(100, 'x')}});
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kLinesPerThread));
  std::vector<int> next_seq(kThreads, 0);
  for (const std::string& text : lines) {
    std::optional<FlatJsonReader::Object> line = FlatJsonReader::Parse(text);
    ASSERT_TRUE(line.has_value()) << text;
    ASSERT_EQ(line->size(), 8u) << text;
    const int thread = std::stoi((*line)[5].second);
    ASSERT_GE(thread, 0);
    ASSERT_LT(thread, kThreads);
    // Each thread's own lines arrive in the order it wrote them, with its own trace id.
    EXPECT_EQ((*line)[4].second, absl::StrCat("trace-", thread));
    EXPECT_EQ(std::stoi((*line)[6].second), next_seq[thread]++);
  }
  for (int seq : next_seq) EXPECT_EQ(seq, kLinesPerThread);
}

}  // namespace
}  // namespace rathaus::platform::log
