// The business rules: EN 16931 (BR-*, BR-CO-*, BR-DEC-*, the VAT category families, BR-CL-*),
// the syntax bindings the official Schematron carries (UBL-*, CII-*), and the XRechnung national
// rules (BR-DE-*, BR-DEX-*). Each rule is written once against the model; its comment or code
// names the official condition it reproduces, quirks included. One check of our own, not an
// official rule: RATHAUS-LEITWEG-ID, a warning when the buyer reference (BT-10) of an XRechnung
// is not a valid Leitweg-ID. Ids starting with "RATHAUS-" never affect a verdict.
//
//   std::vector<Finding> raw = RunRules(invoice);   // severities as flagged by the Schematron
//   ApplyScenario(invoice.profile, invoice.syntax, &raw);  // KoSIT scenario overrides
#pragma once

#include <string_view>
#include <vector>

#include "domain/model.h"
#include "domain/report.h"

namespace rathaus::einvoice {

std::vector<Finding> RunRules(const Invoice& invoice);

// Applies the severity changes of the XRechnung scenario in force (e.g. BR-CL-23 becomes a
// warning) and drops findings the scenario lowers to information.
void ApplyScenario(Profile profile, Syntax syntax, std::vector<Finding>* findings);

// Rule coverage (conformance/coverage_main.cc): when set, called for every rule the checks
// evaluate, with whether it failed. Set it before validating, from one thread; tools and tests
// only (the service never sets it).
using RuleObserver = void (*)(std::string_view rule, bool failed);
void SetRuleObserver(RuleObserver observer);
// Tells the observer (if one is set) about a rule decided outside RunRules (the reading of the
// invoice ends with an official rule's finding).
void ObserveRule(std::string_view rule, bool failed);

// The Leitweg-ID check behind the warning RATHAUS-LEITWEG-ID: Grobadressierung (2-12 digits),
// optional Feinadressierung (up to 30 letters or digits), two check digits (ISO 7064 mod 97-10).
bool IsValidLeitwegId(std::string_view id);

}  // namespace rathaus::einvoice
