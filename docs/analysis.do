* prodkit's outputs in Stata (14 or later): load, join norms to records,
* summarise % of norm by sector, one plot.
*
* After `prodkit reconcile`, from the project folder:
*
*     do docs/analysis.do
*
* It reads the .dta files in data/clean (variable and value labels included;
* each value-label set is named after its variable, so "record":statistic
* reads as the code of the statistic record) and writes
* pct_of_norm_by_sector.pdf. tests/test_analysis_examples.py checks that every
* file, variable and label it names exists in the bundled ledger's outputs;
* it is run in Stata wherever Stata is installed.

version 14
local clean "data/clean"

* each record event's reconciled row: how many independent sources hold it
use "`clean'/reconciled.dta", clear
keep if statistic == "record":statistic
keep event_id measure n_sources status
tempfile records
save `records'

* records against the norm in force: one primary row per record event,
* with one best estimate, pct_of_norm
use "`clean'/norms_vs_records.dta", clear
keep if primary == 1 & !missing(pct_of_norm)
merge 1:1 event_id measure using `records', keep(master match) nogenerate

* % of the norm by sector
display as text "% of norm by sector (norms_vs_records, primary rows: one per record event)"
tabstat pct_of_norm, by(sector) statistics(n median min max) format(%9.1f) nototal
count if consistent == 0
display as text "records " _N ", inconsistent with a stated ratio " r(N)

* and each record's claims, in one step through event_claims (role: chosen, agreeing, ...)
preserve
use "`clean'/event_claims.dta", clear
keep if statistic == "record":statistic
tabulate role
restore

* one plot: every record's % of the norm (log scale), by sector
graph dot (asis) pct_of_norm, over(event_id, sort(pct_of_norm)) over(sector) nofill ///
    exclude0 yscale(log) yline(100, lpattern(dash)) ///
    ytitle("% of the norm in force (log scale)") title("Records against the norm, by sector")
graph export "pct_of_norm_by_sector.pdf", replace
