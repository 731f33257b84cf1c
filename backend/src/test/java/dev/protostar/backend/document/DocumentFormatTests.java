package dev.protostar.backend.document;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.protostar.backend.api.ApiException;
import dev.protostar.backend.api.ResultCode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class DocumentFormatTests {

	private static final byte[] TEXT = "hello".getBytes(StandardCharsets.UTF_8);

	private static final byte[] PDF = "%PDF-1.7\n".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] ZIP = { 'P', 'K', 3, 4, 20, 0 };

	private static final String DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

	@Test
	void theFourFormatsAreRecognisedByNameTypeAndContent() {
		assertThat(DocumentFormat.detect("a.txt", "text/plain", TEXT)).isEqualTo(DocumentFormat.TEXT);
		assertThat(DocumentFormat.detect("a.md", "text/markdown", TEXT)).isEqualTo(DocumentFormat.MARKDOWN);
		assertThat(DocumentFormat.detect("A.PDF", "application/pdf", PDF)).isEqualTo(DocumentFormat.PDF);
		assertThat(DocumentFormat.detect("a.docx", DOCX, ZIP)).isEqualTo(DocumentFormat.DOCX);
	}

	@Test
	void anUnknownOrMissingDeclaredTypeDefersToNameAndContent() {
		assertThat(DocumentFormat.detect("a.md", "application/octet-stream", TEXT)).isEqualTo(DocumentFormat.MARKDOWN);
		assertThat(DocumentFormat.detect("a.pdf", null, PDF)).isEqualTo(DocumentFormat.PDF);
		assertThat(DocumentFormat.detect("a.md", "text/plain", TEXT)).isEqualTo(DocumentFormat.MARKDOWN);
	}

	@Test
	void disagreementsAreRefused() {
		refused("a.pdf", "application/pdf", new byte[] { (byte) 0x89, 'P', 'N', 'G' });
		refused("a.txt", "application/pdf", PDF);
		refused("a.pdf", "text/plain", PDF);
		refused("a.docx", DOCX, TEXT);
		refused("a.txt", "text/plain", ZIP);
		refused("a.txt", "text/plain", new byte[] { 'a', 0, 'b' });
		refused("a.exe", "application/octet-stream", new byte[] { 'M', 'Z' });
		refused("a.doc", "application/msword", TEXT);
		refused("README", "text/plain", TEXT);
		refused("a.html", "text/html", TEXT);
	}

	@Test
	void aTextFileKeepsItsDeclaredCharset() {
		assertThat(DocumentFormat.TEXT.storedContentType("text/plain; charset=EUC-KR"))
			.isEqualTo("text/plain; charset=EUC-KR");
		assertThat(DocumentFormat.MARKDOWN.storedContentType("application/octet-stream")).isEqualTo("text/markdown");
		assertThat(DocumentFormat.PDF.storedContentType("application/pdf; charset=x")).isEqualTo("application/pdf");
	}

	@Test
	void fileNamesAreReducedToAHarmlessLastSegment() {
		assertThat(DocumentService.filename("../../etc/passwd.txt")).isEqualTo("passwd.txt");
		assertThat(DocumentService.filename("C:\\Users\\me\\report.pdf")).isEqualTo("report.pdf");
		assertThat(DocumentService.filename("..")).isEmpty();
		assertThat(DocumentService.filename("a\u0000b\r\n\u202Etxt.exe.md")).isEqualTo("abtxt.exe.md");
		assertThat(DocumentService.filename(null)).isEmpty();
		String longName = "x".repeat(400) + ".docx";
		assertThat(DocumentService.filename(longName)).hasSize(255).endsWith(".docx");
	}

	private static void refused(String filename, String type, byte[] content) {
		assertThatExceptionOfType(ApiException.class).as(filename + " " + type)
			.isThrownBy(() -> DocumentFormat.detect(filename, type, content))
			.satisfies((ex) -> assertThat(ex.resultCode()).isEqualTo(ResultCode.UNSUPPORTED_DOCUMENT_TYPE));
	}

}
