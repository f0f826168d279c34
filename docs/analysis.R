# prodkit's outputs in R: load, join norms to records, summarise % of norm by sector, one plot.
#
# After `prodkit reconcile`, from the project folder:
#
#     Rscript docs/analysis.R                      # reads data/clean, draws pct_of_norm_by_sector.pdf
#     Rscript docs/analysis.R OUT_DIR PLOT.pdf
#
# Needs readr only (base R draws the plot). Every column is read with its type
# given, as the codebook advises: only an empty field is missing, and nothing
# is guessed. tests/test_analysis_examples.py runs this script on the bundled
# ledger's outputs and checks what it prints.

suppressPackageStartupMessages(library(readr))

args <- commandArgs(trailingOnly = TRUE)
clean <- if (length(args) >= 1) args[[1]] else "data/clean"
plot_file <- if (length(args) >= 2) args[[2]] else "pct_of_norm_by_sector.pdf"

read_table <- function(name, ...) {
  read_csv(file.path(clean, paste0(name, ".csv")), na = "", trim_ws = FALSE, progress = FALSE,
           col_types = cols(.default = col_character(), ...))
}

# records against the norm in force: one best estimate, pct_of_norm, on every row
norms <- read_table("norms_vs_records", primary = col_logical(), consistent = col_logical(),
                    ratio_checked = col_logical(), record_value = col_double(), pct_of_norm = col_double(),
                    pct_of_norm_low = col_double(), pct_of_norm_high = col_double(), date_low = col_date(),
                    year = col_integer())
reconciled <- read_table("reconciled", value = col_double(), n_claims = col_integer(),
                         n_sources = col_integer(), date_low = col_date(), year = col_integer())
event_claims <- read_table("event_claims", line = col_integer())

# one row per record event (primary), so that a record told by four sources counts once
records <- norms[norms$primary & !is.na(norms$pct_of_norm), ]

# join each record to its reconciled row: how many independent sources hold it
reconciled_records <- reconciled[reconciled$statistic == "record",
                                 c("event_id", "measure", "n_sources", "status")]
records <- merge(records, reconciled_records, by = c("event_id", "measure"), all.x = TRUE, sort = FALSE)

# and to its claims, in one step through event_claims (role: chosen, agreeing, conflicting, ...)
record_claims <- merge(records[, c("event_id", "measure")],
                       event_claims[event_claims$statistic == "record", ],
                       by = c("event_id", "measure"))

# % of the norm by sector
by_sector <- split(records$pct_of_norm, records$sector)
cat("% of norm by sector (norms_vs_records, primary rows: one per record event)\n")
for (sector in sort(names(by_sector))) {
  x <- by_sector[[sector]]
  cat(sprintf("%-18s records %2d  median %8.1f%%  min %8.1f%%  max %8.1f%%\n",
              sector, length(x), median(x), min(x), max(x)))
}
cat(sprintf("records %d, inconsistent with a stated ratio %d, claims behind them %d (%s)\n",
            nrow(records), sum(!records$consistent), nrow(record_claims),
            paste(names(table(record_claims$role)), table(record_claims$role), sep = " ", collapse = ", ")))

# one plot: every record's % of the norm (log scale), its norm range as a bar, by sector
records <- records[order(records$sector, records$pct_of_norm), ]
pdf(plot_file, width = 7, height = 0.3 * nrow(records) + 1.5)
par(mar = c(4, 16, 2, 1))
y <- seq_len(nrow(records))
low <- ifelse(is.na(records$pct_of_norm_low), records$pct_of_norm, records$pct_of_norm_low)
high <- ifelse(is.na(records$pct_of_norm_high), records$pct_of_norm, records$pct_of_norm_high)
plot(records$pct_of_norm, y, log = "x", xlim = range(c(low, high, 100)), yaxt = "n", pch = 19,
     col = as.integer(factor(records$sector)), xlab = "% of the norm in force (log scale)", ylab = "",
     main = "Records against the norm, by sector")
segments(low, y, high, y, col = as.integer(factor(records$sector)))
abline(v = 100, lty = 2, col = "grey40")
axis(2, at = y, labels = paste0(records$event_id, " (", records$sector, ")"), las = 1, cex.axis = 0.6)
invisible(dev.off())
cat(sprintf("plot: %s\n", plot_file))
