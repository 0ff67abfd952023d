/* analysis_fixture.h: a snapshot with every indicator defined, for the
 * analysis unit tests (test_analysis.c, test_analysis_json.c). */
#ifndef ANALYSIS_FIXTURE_H
#define ANALYSIS_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "analysis.h"

/* A snapshot with every indicator defined: a calm uptrend. */
static inline struct analysis_snapshot
snap(void)
{
	struct analysis_snapshot s;

	memset(&s, 0, sizeof(s));
	snprintf(s.date, sizeof(s.date), "2024-05-31");
	s.bars = 500;
	s.close = 110;
	s.sma20 = 100;    /* close above */
	s.sma50 = 105;    /* close above */
	s.sma200 = 120;   /* close below, SMA50 below: 2 of 4 */
	s.ema12 = 108;
	s.ema26 = 106;
	s.rsi14 = 50;
	s.macd = 2;
	s.macd_signal = 1;
	s.macd_hist = 1;
	s.bb_upper = 120;
	s.bb_mid = 110;
	s.bb_lower = 100;
	s.bb_pctb = 0.2;
	s.atr14 = 2.75;
	s.atr_pct = 2.5;
	s.stoch_k = 60;
	s.stoch_d = 55;
	s.roc10 = 4;
	s.adx14 = 25;
	s.plus_di = 30;
	s.minus_di = 20;
	s.obv = 1e9;
	s.obv_change20 = 1e7;
	return s;
}

#endif
