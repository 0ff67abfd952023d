#!/usr/bin/env Rscript
# make_golden.R: the golden values of tests/unit/test_indicators.c, computed
# with R's TTR package on the two real data sets in tests/fixtures/.
# Not run by `make test`: the committed CSVs in tests/fixtures/golden/ are
# what the tests compare against. Re-run from the repository root with
#     Rscript tests/golden/make_golden.R
# (Debian: apt-get install r-cran-ttr). Every choice of argument below that
# sets a convention is explained in tests/fixtures/README.md.
suppressPackageStartupMessages(library(TTR))

out_dir <- "tests/fixtures/golden"

# One output value: NA (also for NaN) or 17 significant digits, which
# reproduces the double exactly.
fmt <- function(v) {
	v <- as.numeric(v)
	ifelse(is.na(v), "NA", sprintf("%.17g", v))
}

write_golden <- function(set, name, cols) {
	path <- file.path(out_dir, sprintf("%s_%s.csv", set, name))
	text <- as.data.frame(lapply(cols, fmt), stringsAsFactors = FALSE)
	write.table(text, path, sep = ",", quote = FALSE, row.names = FALSE,
	            col.names = names(cols), eol = "\n")
}

golden <- function(set, csv) {
	d <- read.csv(csv, stringsAsFactors = FALSE)
	cl <- as.numeric(d$close)
	hlc <- cbind(as.numeric(d$high), as.numeric(d$low), cl)
	vol <- as.numeric(d$volume)

	write_golden(set, "sma", list(
		sma5 = SMA(cl, 5), sma20 = SMA(cl, 20), sma200 = SMA(cl, 200)))

	# TTR's EMA is seeded with the SMA of its first window, k = 2/(n+1)
	write_golden(set, "ema", list(
		ema5 = EMA(cl, 5), ema12 = EMA(cl, 12), ema26 = EMA(cl, 26),
		ema50 = EMA(cl, 50)))

	# RSI's default smoothing is EMA(wilder = TRUE): k = 1/n, seeded with
	# the mean of the first n changes; spelled out so a change of default
	# cannot slip in
	write_golden(set, "rsi", list(
		rsi14 = RSI(cl, 14, maType = "EMA", wilder = TRUE),
		rsi5 = RSI(cl, 5, maType = "EMA", wilder = TRUE)))

	# percent = FALSE: the difference EMA12 - EMA26, not the percentage
	m <- MACD(cl, 12, 26, 9, maType = "EMA", percent = FALSE)
	write_golden(set, "macd", list(
		macd = m[, "macd"], signal = m[, "signal"],
		hist = m[, "macd"] - m[, "signal"]))

	# BBands on the close alone (not the HLC mean); its runSD is the
	# population standard deviation (sample = FALSE)
	b <- BBands(cl, n = 20, maType = "SMA", sd = 2)
	write_golden(set, "bbands", list(
		lower = b[, "dn"], mid = b[, "mavg"], upper = b[, "up"]))

	write_golden(set, "atr", list(
		atr14 = ATR(hlc, 14, maType = "EMA", wilder = TRUE)[, "atr"],
		atr5 = ATR(hlc, 5, maType = "EMA", wilder = TRUE)[, "atr"]))

	# fast stochastic: %K raw (smooth = 1), %D = SMA(3) of %K; TTR gives
	# fractions, the API percent
	s <- stoch(hlc, nFastK = 14, nFastD = 3, nSlowD = 3, maType = "SMA",
	           smooth = 1)
	write_golden(set, "stoch", list(
		k = 100 * s[, "fastK"], d = 100 * s[, "fastD"]))

	# TTR's OBV treats a relative change below sqrt(eps) as no change;
	# check that the plain sign rule gives the same series here
	obv <- OBV(cl, vol)
	plain <- cumsum(c(vol[1], sign(diff(cl)) * vol[-1]))
	stopifnot(isTRUE(all.equal(as.numeric(obv), plain, tolerance = 0)))
	write_golden(set, "obv", list(obv = obv))

	write_golden(set, "roc", list(
		roc10 = 100 * ROC(cl, 10, type = "discrete"),
		roc1 = 100 * ROC(cl, 1, type = "discrete")))

	a <- ADX(hlc, 14, maType = "EMA", wilder = TRUE)
	write_golden(set, "adx", list(
		plus_di = a[, "DIp"], minus_di = a[, "DIn"], adx = a[, "ADX"]))
}

dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
golden("sp500", "tests/fixtures/sp500-2000.csv")
golden("regtest", "tests/fixtures/talib_regtest_252.csv")
writeLines(c(R.version.string,
             paste("TTR", as.character(packageVersion("TTR"))),
             paste("xts", as.character(packageVersion("xts")))),
           file.path(out_dir, "VERSIONS"))
