#include "services/appointments/domain/contact.h"

#include <gtest/gtest.h>

#include "shared/status/problem.h"

namespace rathaus::appointments {
namespace {

TEST(AppointmentsContactTest, AcceptsAndTrimsEmails) {
  EXPECT_EQ(*CheckEmail(" Max.Muster@Example.org "), "Max.Muster@Example.org");
  for (const char* ok : {"a.b+tag@kiel.de", "x_y@sub.domain.example", "o'brien@example.ie",
                         "info@xn--mnchen-3ya.de"}) {
    EXPECT_TRUE(CheckEmail(ok).ok()) << ok;
  }
}

// Internationalised domains (IDNA2008 / UTS #46, non-transitional: "ß" stays, as at DENIC) are
// accepted and kept in their ASCII form, which every mail server delivers to.
TEST(AppointmentsContactTest, UmlautDomainsBecomeTheirAsciiForm) {
  EXPECT_EQ(*CheckEmail("info@straße.de"), "info@xn--strae-oqa.de");
  EXPECT_EQ(*CheckEmail(" Max@Müller.DE "), "Max@xn--mller-kva.de");
  EXPECT_EQ(*CheckEmail("info@bücher.example"), "info@xn--bcher-kva.example");
  EXPECT_EQ(*CheckEmail("info@xn--strae-oqa.de"), "info@xn--strae-oqa.de");
  EXPECT_EQ(NormalizeEmailForQuota(*CheckEmail("info@straße.de")),
            NormalizeEmailForQuota("INFO@xn--strae-oqa.de"));
  for (const char* bad : {"info@-ä.de", "info@ä-.de", "info@ü.xn--zz", "info@exa mple.de",
                          "info@straße"}) {
    auto email = CheckEmail(bad);
    EXPECT_FALSE(email.ok()) << bad;
    EXPECT_EQ(platform::FieldOf(email.status()), "email");
    EXPECT_NE(email.status().message().find("after the @"), std::string::npos)
        << bad << ": " << email.status().message();
  }
}

// A refused local part says why.
TEST(AppointmentsContactTest, RefusedLocalPartsSayWhy) {
  const struct {
    const char* email;
    const char* reason;
  } cases[] = {
      {"jörg@kiel.de", "before the @"},
      {"max muster@kiel.de", "before the @"},
      {".max@kiel.de", "dot"},
      {"max..muster@kiel.de", "dot"},
      {"kiel.de", "@"},
  };
  for (const auto& c : cases) {
    auto email = CheckEmail(c.email);
    ASSERT_FALSE(email.ok()) << c.email;
    EXPECT_NE(email.status().message().find(c.reason), std::string::npos)
        << c.email << ": " << email.status().message();
  }
  auto long_local = CheckEmail(std::string(65, 'a') + "@kiel.de");
  EXPECT_NE(long_local.status().message().find("64"), std::string::npos)
      << long_local.status().message();
}

TEST(AppointmentsContactTest, RejectsBadEmails) {
  for (const char* bad : {"", "max", "max@", "@kiel.de", "max@kiel", "max@@kiel.de",
                          "max..muster@kiel.de", ".max@kiel.de", "max.@kiel.de", "max@-kiel.de",
                          "max@kiel.d", "max@kiel.123", "max muster@kiel.de", "max@kiel..de",
                          "<script>@kiel.de", "m\xc3\xa4x@kiel.de"}) {
    auto email = CheckEmail(bad);
    EXPECT_FALSE(email.ok()) << bad;
    EXPECT_EQ(platform::FieldOf(email.status()), "email");
  }
  EXPECT_FALSE(CheckEmail(std::string(250, 'a') + "@kiel.de").ok());
}

TEST(AppointmentsContactTest, NormalizesForTheQuota) {
  EXPECT_EQ(NormalizeEmailForQuota("Max.Muster@Kiel.DE"), "max.muster@kiel.de");
  EXPECT_EQ(NormalizeEmailForQuota("max+termin1@kiel.de"), "max@kiel.de");
  EXPECT_EQ(NormalizeEmailForQuota("Max.Muster+1@GoogleMail.com"), "maxmuster@gmail.com");
  EXPECT_EQ(NormalizeEmailForQuota("m.a.x@gmail.com"), NormalizeEmailForQuota("max@gmail.com"));
  EXPECT_NE(NormalizeEmailForQuota("m.a.x@kiel.de"), NormalizeEmailForQuota("max@kiel.de"));
  EXPECT_EQ(NormalizeEmailForQuota("+x@kiel.de"), "+x@kiel.de");
}

TEST(AppointmentsContactTest, NamesAndPhones) {
  EXPECT_EQ(*CheckName("  Jörg Müller-Lüdenscheidt "), "Jörg Müller-Lüdenscheidt");
  EXPECT_EQ(platform::FieldOf(CheckName("   ").status()), "name");
  EXPECT_FALSE(CheckName("a\nb").ok());
  EXPECT_FALSE(CheckName("\xff\xfe").ok());
  EXPECT_FALSE(CheckName("\xc0\xaf").ok());  // overlong
  EXPECT_FALSE(CheckName(std::string(201, 'a')).ok());
  EXPECT_EQ(*CheckPhone(""), "");
  EXPECT_EQ(*CheckPhone(" +49 (431) 901-0 "), "+49 (431) 901-0");
  EXPECT_EQ(platform::FieldOf(CheckPhone("call me").status()), "phone");
  // Characters, not bytes: 200 umlauts are a name, 201 are not (and the message says so).
  std::string umlauts;
  for (int i = 0; i < 200; ++i) umlauts += "Ä";
  EXPECT_TRUE(CheckName(umlauts).ok()) << "200 characters (400 bytes)";
  EXPECT_FALSE(CheckName(umlauts + "Ä").ok());
  // A phone number has digits: E.164 (+ and 4 to 15 digits) or DIN 5008 forms.
  for (const char* bad : {"+", "--//()", "( )", "+ 1", "49+431"}) {
    EXPECT_EQ(platform::FieldOf(CheckPhone(bad).status()), "phone") << bad;
  }
  EXPECT_TRUE(CheckPhone("0431 901-0").ok());
  EXPECT_TRUE(CheckPhone("+49 431 9010").ok());
  EXPECT_FALSE(CheckPhone("+49 431 9010 1234 5678 90").ok()) << "more than 15 digits";
}

}  // namespace
}  // namespace rathaus::appointments
