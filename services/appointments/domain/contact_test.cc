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
}

}  // namespace
}  // namespace rathaus::appointments
