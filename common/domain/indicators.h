/* indicators.h: technical indicators over arrays of daily prices.
 *
 * Pure functions on double arrays, oldest bar first. The caller passes the
 * output arrays, each sized n; nothing is allocated. A bar before an
 * indicator's first defined value is NAN. "Lookback" below is the index of
 * the first defined output: every bar from there on is defined.
 *
 * Common contract of every function:
 *   - returns 0 on success, including when n is at most the lookback (then
 *     every output bar is NAN);
 *   - returns -1, with every output bar NAN, when a period is below 1 or
 *     above IND_MAX_PERIOD, a pointer is NULL while n > 0, or any input bar
 *     is NaN or infinite: bad input is rejected whole, never propagated
 *     into part of a series;
 *   - inputs and outputs must not overlap.
 *
 * Conventions (the golden tests in tests/unit/test_indicators.c hold them
 * to R's TTR, see tests/fixtures/README.md):
 *   - an EMA is seeded with the SMA of its first window, k = 2 / (period + 1);
 *   - Wilder smoothing (RSI, ATR, ADX's DX) is an EMA with k = 1 / period,
 *     seeded the same way;
 *   - Bollinger bands use the population standard deviation (divide by n). */
#ifndef EDGESCOUT_INDICATORS_H
#define EDGESCOUT_INDICATORS_H

#include <stddef.h>

#define IND_MAX_PERIOD 100000

/* Simple moving average: mean of x[i-period+1 .. i]. Lookback period - 1.
 * A running sum, rebuilt from the window every 128 bars so it cannot drift. */
int ind_sma(const double *x, size_t n, int period, double *out);

/* Exponential moving average, k = 2 / (period + 1), seeded at bar
 * period - 1 with the SMA of x[0 .. period-1]. Lookback period - 1. */
int ind_ema(const double *x, size_t n, int period, double *out);

/* Relative strength index in percent, Wilder smoothing: the average gain and
 * loss of the closes' changes 1..period seed at bar period (their plain mean),
 * then avg = avg + (change - avg) / period. RSI = 100 * gain / (gain + loss);
 * a window with no losses (a flat one too) reads 100. Lookback period. */
int ind_rsi(const double *close, size_t n, int period, double *out);

/* MACD = EMA(fast) - EMA(slow), each EMA seeded by its own first window as
 * in ind_ema; defined from bar max(fast, slow) - 1. Signal = EMA(signal) of
 * the MACD line, seeded with the mean of the first `signal` MACD values;
 * signal and hist (= macd - signal) are defined from bar
 * max(fast, slow) + signal - 2 (12/26/9: MACD from bar 25, signal from 33). */
int ind_macd(const double *close, size_t n, int fast, int slow, int signal,
             double *macd, double *sig, double *hist);

/* Bollinger bands: mid = SMA(period), upper/lower = mid +/- k * the
 * population standard deviation of the same window (20, 2 is the usual).
 * Lookback period - 1. A flat window has upper == mid == lower.
 * k must be finite and >= 0. */
int ind_bbands(const double *close, size_t n, int period, double k,
               double *lower, double *mid, double *upper);

/* Average true range, Wilder smoothing. True range from bar 1:
 * max(high, prev close) - min(low, prev close); ATR seeds at bar period with
 * the mean of TR[1 .. period]. Lookback period. */
int ind_atr(const double *high, const double *low, const double *close,
            size_t n, int period, double *out);

/* Fast stochastic oscillator in percent: %K = 100 * (close - LL) / (HH - LL)
 * over the last kperiod bars' highs and lows (current bar included; a window
 * with HH == LL reads 50), %D = SMA(dperiod) of %K. %K lookback kperiod - 1,
 * %D lookback kperiod + dperiod - 2 (14/3: 13 and 15). */
int ind_stoch(const double *high, const double *low, const double *close,
              size_t n, int kperiod, int dperiod, double *k, double *d);

/* On-balance volume: obv[0] = volume[0]; then + volume on an up close,
 * - volume on a down close, unchanged on an equal close. Lookback 0. */
int ind_obv(const double *close, const double *volume, size_t n, double *out);

/* Rate of change in percent: 100 * (x[i] / x[i-period] - 1); NAN where
 * x[i-period] is 0. Lookback period. */
int ind_roc(const double *x, size_t n, int period, double *out);

/* Average directional index (Wilder), with +DI and -DI in percent.
 * +DM/-DM and TR from bar 1; their Wilder sums are seeded at bar period - 1
 * with the plain sum of bars 1 .. period-1 and then S = S - S/period + x,
 * so +DI = 100 * S(+DM) / S(TR) is defined from bar period (as TA-Lib and
 * TTR do). DX = 100 * |+DI - -DI| / (+DI + -DI); ADX = Wilder average of DX
 * seeded with the mean of its first period values: lookback 2 * period - 1
 * (14: DI from bar 14, ADX from bar 27). S(TR) == 0 gives DI 0; DI sum 0
 * gives DX 0. */
int ind_adx(const double *high, const double *low, const double *close,
            size_t n, int period, double *plus_di, double *minus_di,
            double *adx);

#endif
