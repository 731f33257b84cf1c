package dev.protostar.worker.retrieval;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LexicalTermsTests {

	@Test
	void koreanRunsBecomeOverlappingBigrams() {
		assertThat(LexicalTerms.terms("육아휴직은")).containsExactly("육아", "아휴", "휴직", "직은");
		// A lone syllable between spaces or punctuation stays a unigram.
		assertThat(LexicalTerms.terms("연차 및 휴가.")).containsExactly("연차", "및", "휴가");
	}

	@Test
	void koreanStemMatchesWhateverTheEnding() {
		// "휴가는" (question) and "휴가를" (document) share no whole word, but the bigram 휴가.
		assertThat(LexicalTerms.terms("휴가는")).contains("휴가");
		assertThat(LexicalTerms.terms("휴가를")).contains("휴가");
	}

	@Test
	void englishBecomesLowerCasedWords() {
		assertThat(LexicalTerms.terms("Remote-work Policy, v2 (2025)!")).containsExactly("remote", "work", "policy",
				"v2", "2025");
		assertThat(LexicalTerms.terms("STRASSE Übung")).containsExactly("strasse", "übung");
	}

	@Test
	void mixedScriptsSplitAtTheBoundary() {
		assertThat(LexicalTerms.terms("VPN접속은 2FA로")).containsExactly("vpn", "접속", "속은", "2fa", "로");
		assertThat(LexicalTerms.terms("15일")).containsExactly("15", "일");
	}

	@Test
	void nfkcFoldsFullWidthAndCompatibilityForms() {
		assertThat(LexicalTerms.terms("ＶＰＮ　１５")).containsExactly("vpn", "15");
		assertThat(LexicalTerms.terms("ﬁle")).containsExactly("file");
	}

	@Test
	void punctuationAndEmptyTextHaveNoTerms() {
		assertThat(LexicalTerms.terms("")).isEmpty();
		assertThat(LexicalTerms.terms(null)).isEmpty();
		assertThat(LexicalTerms.terms("?!... -- '\" \\ ;: ()[]{} 。、「」")).isEmpty();
		assertThat(LexicalTerms.tsquery("?!...")).isNull();
		assertThat(LexicalTerms.tsvector("...")).isEmpty();
	}

	@Test
	void overlongRunsAreDropped() {
		assertThat(LexicalTerms.terms("x".repeat(LexicalTerms.MAX_TERM + 1) + " ok")).containsExactly("ok");
	}

	@Test
	void tsvectorLiteralKeepsPositions() {
		assertThat(LexicalTerms.tsvector("The leave, the LEAVE")).isEqualTo("'the':1,3 'leave':2,4");
	}

	@Test
	void tsqueryIsAnOrOfDistinctTermsWithoutStopWords() {
		assertThat(LexicalTerms.tsquery("How many days of annual leave do I get? Leave!"))
			.isEqualTo("'many' | 'days' | 'annual' | 'leave' | 'get'");
		assertThat(LexicalTerms.tsquery("what is it?")).isNull();
		assertThat(LexicalTerms.tsquery("연차휴가는")).isEqualTo("'연차' | '차휴' | '휴가' | '가는'");
	}

	@Test
	void quotesAndBackslashesAreEscaped() {
		assertThat(LexicalTerms.quote("it's\\")).isEqualTo("'it''s\\\\'");
	}

	@Test
	void cjkShareIsTheShareOfKoreanTerms() {
		assertThat(LexicalTerms.cjkShare("How many days?")).isZero();
		assertThat(LexicalTerms.cjkShare("연차휴가")).isEqualTo(1.0);
		assertThat(LexicalTerms.cjkShare("VPN 접속")).isEqualTo(0.5);
		assertThat(LexicalTerms.cjkShare("?!")).isZero();
	}

}
