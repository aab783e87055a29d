#include "domain/decimal.h"

#include <gtest/gtest.h>

namespace rathaus::einvoice {
namespace {

Decimal D(const char* s) { return Decimal::Parse(s).value(); }

TEST(DecimalTest, ParsesXsDecimalLexicalForms) {
  EXPECT_EQ(D("1234.50"), D("1234.5"));
  EXPECT_EQ(D(" -0.10 "), -D("0.1"));
  EXPECT_EQ(D("+7"), D("7.000"));
  EXPECT_EQ(D(".5"), D("0.5"));
  EXPECT_FALSE(Decimal::Parse("1.234,56"));
  EXPECT_FALSE(Decimal::Parse("12.50 EUR"));
  EXPECT_FALSE(Decimal::Parse(""));
  EXPECT_FALSE(Decimal::Parse("1e3"));
  EXPECT_FALSE(Decimal::Parse("."));
}

TEST(DecimalTest, ArithmeticIsExact) {
  EXPECT_EQ(D("0.1") + D("0.2"), D("0.3"));
  EXPECT_EQ(D("100.00") - D("0.01"), D("99.99"));
  EXPECT_EQ(D("1234.56") * D("0.19"), D("234.5664"));
  EXPECT_EQ(D("19").DivPow10(2), D("0.19"));
  EXPECT_EQ((D("12.3") * D("10")).ToString(), "123");
}

TEST(DecimalTest, RoundsHalvesTowardsPositiveInfinityLikeXPath) {
  EXPECT_EQ(D("2.345").Round(2), D("2.35"));
  EXPECT_EQ(D("-2.345").Round(2), D("-2.34"));
  EXPECT_EQ(D("2.5").Round(), D("3"));
  EXPECT_EQ(D("-2.5").Round(), D("-2"));
  EXPECT_EQ(D("2.344").Round(2), D("2.34"));
}

TEST(DecimalTest, Compares) {
  EXPECT_LT(D("-1"), D("0"));
  EXPECT_GT(D("10.01"), D("10.001"));
  EXPECT_TRUE(D("0.00").IsZero());
  EXPECT_EQ(D("-3.10").Abs().ToString(), "3.1");
}

}  // namespace
}  // namespace rathaus::einvoice
