-- wrk: citizens submit Anmeldungen (one citizen token, moved in three days ago), POST JSON.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
local token = os.getenv("CITIZEN_TOKEN")
local day = os.date("!%Y-%m-%d", os.time() - 3 * 86400)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.body = '{"type":"ANMELDUNG","office":"kiel-mitte","moveDate":"' .. day .. '",' ..
  '"newAddress":{"street":"Andreas-Gayk-Straße 31","postalCode":"24103","city":"Kiel"},' ..
  '"previousAddress":{"street":"Große Freiheit 7","postalCode":"22767","city":"Hamburg",' ..
  '"municipalityKey":"02000000"},' ..
  '"persons":[{"familyName":"Muster","givenNames":"Erika","birthDate":"1980-02-29",' ..
  '"nationalities":["DE"],"idDocumentSerials":["L01X00T47"]},' ..
  '{"familyName":"Muster","givenNames":"Mia","birthDate":"2019-06-01","nationalities":["DE"]}],' ..
  '"landlord":{"name":"Kieler Wohnungsbau GmbH","address":{"street":"Holstenstraße 1",' ..
  '"postalCode":"24103","city":"Kiel"},"moveInDate":"' .. day .. '"}}'
