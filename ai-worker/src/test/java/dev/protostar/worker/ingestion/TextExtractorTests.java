package dev.protostar.worker.ingestion;

import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.protostar.worker.ingestion.TestDocuments.KOREAN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class TextExtractorTests {

	@TempDir
	Path files;

	private TextExtractor extractor = new TextExtractor(TestLimits.limits("max-chars", "100000"));

	@Test
	void plainTextKeepsKorean() throws Exception {
		String text = extract(utf8("Leave policy\r\n\r\n" + KOREAN), "text/plain; charset=utf-8",
				"policy.txt");
		assertThat(text).isEqualTo("Leave policy\n\n" + KOREAN);
	}

	@Test
	void decomposedKoreanIsComposed() throws Exception {
		// What macOS writes: each syllable as separate jamo.
		String decomposed = Normalizer.normalize(KOREAN, Normalizer.Form.NFD);
		assertThat(decomposed).isNotEqualTo(KOREAN);
		assertThat(extract(utf8(decomposed), "text/plain", "a.txt")).isEqualTo(KOREAN);
	}

	@Test
	void byteOrderMarksAreHandled() throws Exception {
		byte[] bom = { (byte) 0xEF, (byte) 0xBB, (byte) 0xBF };
		assertThat(extract(concat(bom, utf8(KOREAN)), "text/plain", "a.txt")).isEqualTo(KOREAN);
		assertThat(extract(("\uFEFF" + KOREAN).getBytes(StandardCharsets.UTF_16BE), "text/plain",
				"a.txt"))
			.isEqualTo(KOREAN);
	}

	@Test
	void declaredCharsetIsUsedAndUndeclaredNonUtf8Fails() throws Exception {
		byte[] eucKr = KOREAN.getBytes(Charset.forName("EUC-KR"));
		assertThat(extract(eucKr, "text/plain; charset=EUC-KR", "a.txt")).isEqualTo(KOREAN);
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(eucKr, "text/plain", "a.txt"))
			.withMessageContaining("not valid UTF-8");
	}

	@Test
	void markdownLosesItsMarkupButNotItsWords() throws Exception {
		String markdown = """
				# 휴가 규정

				> Read **carefully**: see [the handbook](https://example.com/h) and ![logo](logo.png).

				- first *item* with `code`
				- second item_with_underscores

				| a | b |
				|---|---|
				| 1 | 2 |

				```java
				int x = 1;
				```
				<b>bold</b>
				""";
		String text = extract(utf8(markdown), "text/markdown", "rules.md");
		assertThat(text).contains("휴가 규정", "Read carefully: see the handbook and logo.", "first item with code",
				"second item_with_underscores", "| 1 | 2 |", "int x = 1;", "bold");
		assertThat(text).doesNotContain("#", "**", "](", "```", "<b>", "|---");
	}

	@Test
	void markdownIsRecognisedByItsFileNameWhenDeclaredAsPlainText() throws Exception {
		assertThat(extract(utf8("## Title"), "text/plain", "notes.MD")).isEqualTo("Title");
		assertThat(extract(utf8("## Title"), "text/plain", "notes.txt")).isEqualTo("## Title");
	}

	@Test
	void pdfText() throws Exception {
		byte[] pdf = TestDocuments.pdf("Annual leave is fifteen days.", "Sick leave needs a note.");
		String text = extract(pdf, "application/pdf", "leave.pdf");
		assertThat(text).contains("Annual leave is fifteen days.", "Sick leave needs a note.");
	}

	@Test
	void koreanPdfText() throws Exception {
		assertThat(extract(TestDocuments.koreanPdf(), "application/pdf", "ko.pdf"))
			.isEqualTo("한국어 문서");
	}

	@Test
	void docxTextWithKorean() throws Exception {
		byte[] docx = TestDocuments.docx("Leave policy", KOREAN);
		assertThat(extract(docx, TextExtractor.DOCX, "leave.docx")).isEqualTo("Leave policy\n" + KOREAN);
	}

	@Test
	void formatComesFromTheBytesWhenTheTypeIsUnknown() throws Exception {
		byte[] pdf = TestDocuments.pdf("hello pdf");
		assertThat(extract(pdf, "application/octet-stream", "x.bin")).contains("hello pdf");
		assertThat(extract(TestDocuments.docx("hello docx"), null, "x")).isEqualTo("hello docx");
	}

	@Test
	void declaredTypeMustMatchTheContent() throws Exception {
		byte[] pdf = TestDocuments.pdf("hello");
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(pdf, "text/plain", "renamed.txt"))
			.withMessage("declared as text/plain but the content is a PDF");
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(utf8("just text"), "application/pdf", "fake.pdf"))
			.withMessageContaining("declared as a PDF but the content is not one");
	}

	@Test
	void corruptPdfFails() {
		byte[] corrupt = utf8("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> garbage \u0001\u0002 %%EOF");
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(corrupt, "application/pdf", "broken.pdf"))
			.withMessageContaining("PDF");
	}

	@Test
	void truncatedPdfFailsOrYieldsWhatSurvives() throws Exception {
		byte[] pdf = TestDocuments.pdf("The whole line survives.");
		byte[] truncated = Arrays.copyOf(pdf, pdf.length / 3);
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(truncated, "application/pdf", "cut.pdf"))
			.withMessageContaining("PDF");
	}

	@Test
	void zipThatIsNotADocxFails() throws Exception {
		java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
		try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(out)) {
			zip.putNextEntry(new java.util.zip.ZipEntry("readme.txt"));
			zip.write(utf8("not word"));
		}
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(out.toByteArray(), TextExtractor.DOCX, "x.docx"))
			.withMessageContaining("not a readable DOCX document");
	}

	@Test
	void emptyAndBlankFilesFail() {
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(new byte[0], "text/plain", "empty.txt"))
			.withMessage("the file is empty");
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(utf8(" \n\t\n "), "text/plain", "blank.txt"))
			.withMessage("the file contains no text");
	}

	@Test
	void unsupportedTypesFail() {
		byte[] png = { (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0 };
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(png, "image/png", "cat.png"))
			.withMessageContaining("unsupported content type 'image/png'");
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(png, "text/plain", "cat.txt"))
			.withMessageContaining("unsupported file: the content is an image");
		byte[] doc = { (byte) 0xD0, (byte) 0xCF, 0x11, (byte) 0xE0, 0, 0 };
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(doc, null, "old.doc"))
			.withMessageContaining("old Office binary file");
		byte[] program = { 'M', 'Z', (byte) 0x90, 0, 3, 0 };
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(program, "application/octet-stream", "notes.txt"))
			.withMessageContaining("unsupported file: the content is a program");
	}

	@Test
	void tooMuchTextFails() {
		this.extractor = new TextExtractor(TestLimits.limits("max-chars", "10"));
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(utf8("eleven char"), "text/plain", "a.txt"))
			.withMessage("the file holds more than 10 characters of text, the limit (protostar.ingestion.max-chars)");
	}

	/** The file as the worker has it: downloaded to disk. */
	private String extract(byte[] content, String declaredType, String filename) throws Exception {
		Path file = Files.createTempFile(this.files, "upload-", ".bin");
		Files.write(file, content);
		return this.extractor.extract(file, declaredType, filename);
	}

	private static byte[] utf8(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	private static byte[] concat(byte[] a, byte[] b) {
		byte[] all = Arrays.copyOf(a, a.length + b.length);
		System.arraycopy(b, 0, all, a.length, b.length);
		return all;
	}

}
