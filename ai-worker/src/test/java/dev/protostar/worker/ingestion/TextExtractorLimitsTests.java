package dev.protostar.worker.ingestion;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.poi.xwpf.extractor.XWPFWordExtractor;
import org.apache.poi.xwpf.model.XWPFHeaderFooterPolicy;
import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.apache.poi.xwpf.usermodel.XWPFTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.protostar.worker.ingestion.TestDocuments.KOREAN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Crafted files against the parse limits: each fails with a reason that names the
 * setting, within the test JVM's ordinary heap, and leaves no parse thread behind.
 */
class TextExtractorLimitsTests {

	/** A gigabyte of one letter, deflated to about a megabyte: made once, it takes seconds. */
	private static byte[] classicZipBomb;

	@TempDir
	Path files;

	@Test
	void aZipBombDocxIsRefusedByItsInflateRatio() throws Exception {
		byte[] bomb = classicZipBomb();
		assertThat(bomb.length).as("compressed").isLessThan(2 * 1024 * 1024);
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(TestLimits.limits(), bomb, TextExtractor.DOCX))
			.withMessage("a part of the DOCX document unpacks to more than 100 times its compressed size (a zip"
					+ " bomb?), the limit (protostar.ingestion.min-docx-inflate-ratio = 0.01)");
	}

	@Test
	void aDocxPartThatPassesTheRatioButUnpacksTooFarIsRefused() throws Exception {
		// 64 MB of XML at some 45 to 1: under POI's ratio guard, over the 20 MB entry limit.
		byte[] docx = TestDocuments.docxWithText(64L * 1024 * 1024, 100);
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(TestLimits.limits(), docx, TextExtractor.DOCX))
			.withMessage("a part of the DOCX document unpacks to more than 20 MB, the limit"
					+ " (protostar.ingestion.max-docx-entry-size)");
	}

	@Test
	void aDocxWithTooManyEntriesIsRefused() throws Exception {
		byte[] docx = TestDocuments.docxWithEntries(1000);
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(TestLimits.limits(), docx, TextExtractor.DOCX))
			.withMessage("the DOCX document holds more than 1000 files, the limit"
					+ " (protostar.ingestion.max-docx-entries)");
	}

	@Test
	void docxTextStopsAtTheCharacterLimitWhileItIsRead() throws Exception {
		byte[] docx = TestDocuments.docx(TestDocuments.prose(3000, 1), TestDocuments.prose(3000, 2));
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(TestLimits.limits("max-chars", "1000"), docx, TextExtractor.DOCX))
			.withMessage("the file holds more than 1000 characters of text, the limit"
					+ " (protostar.ingestion.max-chars)");
	}

	@Test
	void docxTextIsPoisOwnTextHeadersTablesAndFootersIncluded() throws Exception {
		byte[] docx;
		try (XWPFDocument document = new XWPFDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
			document.createHeaderFooterPolicy();
			document.getHeaderFooterPolicy()
				.createHeader(XWPFHeaderFooterPolicy.DEFAULT)
				.createParagraph()
				.createRun()
				.setText("Company confidential");
			document.getHeaderFooterPolicy()
				.createFooter(XWPFHeaderFooterPolicy.DEFAULT)
				.createParagraph()
				.createRun()
				.setText("Page footer");
			document.createParagraph().createRun().setText("Leave policy");
			XWPFTable table = document.createTable(2, 2);
			table.getRow(0).getCell(0).setText("Days");
			table.getRow(0).getCell(1).setText("15");
			table.getRow(1).getCell(0).setText("연차");
			table.getRow(1).getCell(1).setText("15일");
			document.createParagraph().createRun().setText(KOREAN);
			document.write(out);
			docx = out.toByteArray();
		}
		String expected;
		try (XWPFWordExtractor poi = new XWPFWordExtractor(new XWPFDocument(new ByteArrayInputStream(docx)))) {
			expected = TextExtractor.normalise(poi.getText());
		}
		assertThat(expected).contains("Company confidential", "연차\t15일", KOREAN, "Page footer");
		assertThat(extract(TestLimits.limits(), docx, TextExtractor.DOCX)).isEqualTo(expected);
	}

	@Test
	void aPdfWithTooManyPagesIsRefused() throws Exception {
		byte[] pdf = TestDocuments.pdfWithPages(5000, null);
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(TestLimits.limits(), pdf, TextExtractor.PDF))
			.withMessage("the PDF has more than 2000 pages, the limit (protostar.ingestion.max-pages)");
	}

	@Test
	void aPdfWhosePageTreeUnderstatesItsPagesIsRefusedWhileRead() throws Exception {
		byte[] pdf;
		try (PDDocument document = Loader.loadPDF(TestDocuments.pdfWithPages(12, "A page of text."))) {
			document.getPages().getCOSObject().setInt(COSName.COUNT, 1);
			ByteArrayOutputStream out = new ByteArrayOutputStream();
			document.save(out);
			pdf = out.toByteArray();
		}
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(TestLimits.limits("max-pages", "10"), pdf, TextExtractor.PDF))
			.withMessage("the PDF has more than 10 pages, the limit (protostar.ingestion.max-pages)");
		assertThat(extract(TestLimits.limits("max-pages", "12"), pdf, TextExtractor.PDF)).contains("A page of text.");
	}

	@Test
	void aPdfStreamThatUnpacksTooFarIsRefusedBeforeItIsRead() throws Exception {
		// 256 MB of blanks in a page's content stream, compressed to some 256 KB.
		byte[] pdf = TestDocuments.pdfWithBlankContent(256L * 1024 * 1024);
		assertThat(pdf.length).isLessThan(1024 * 1024);
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(TestLimits.limits(), pdf, TextExtractor.PDF))
			.withMessageStartingWith("a stream of the PDF (object ")
			.withMessageEndingWith(") decodes to more than 64 MB, the limit (protostar.ingestion.max-pdf-stream-size)");
	}

	@Test
	void pdfTextStopsAtTheCharacterLimitWhileItIsRead() throws Exception {
		byte[] pdf = TestDocuments.pdfWithPages(20, "Annual leave is fifteen days per year.");
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(TestLimits.limits("max-chars", "1000"), pdf, TextExtractor.PDF))
			.withMessage("the file holds more than 1000 characters of text, the limit"
					+ " (protostar.ingestion.max-chars)");
	}

	@Test
	void aSlowPdfFailsAtTheTimeLimitAndItsParseThreadStops() throws Exception {
		// Legal, but about a second of work: far more than 20 ms.
		byte[] pdf = TestDocuments.pdfWithPages(300, "Annual leave is fifteen days per year, sick leave needs a note.");
		long started = System.nanoTime();
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> extract(TestLimits.limits("parse-timeout", "20ms"), pdf, TextExtractor.PDF))
			.withMessage("reading the file took longer than 20 ms, the limit (protostar.ingestion.parse-timeout)");
		assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the caller waited").isLessThan(Duration.ofSeconds(10));
		// The parse checks its deadline at every operator: its thread ends too.
		awaitNoParseThreads();
		// With time enough, the same file is read.
		assertThat(extract(TestLimits.limits(), pdf, TextExtractor.PDF)).contains("sick leave needs a note");
	}

	@Test
	void aParseThatIgnoresItsDeadlineIsAbandonedAndTheCallerGoesOn() throws Exception {
		AtomicReference<Thread> parser = new AtomicReference<>();
		TextExtractor stuck = new TextExtractor(TestLimits.limits("parse-timeout", "300ms")) {
			@Override
			String parse(Path file, String declaredType, String filename, Deadline deadline) {
				parser.set(Thread.currentThread());
				long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
				while (System.nanoTime() < until) {
					Thread.onSpinWait(); // deaf to interrupts and deadlines, as a parser deep in a loop
				}
				return "too late";
			}
		};
		Path file = write("some text".getBytes(StandardCharsets.UTF_8));
		assertThatExceptionOfType(UnusableDocumentException.class)
			.isThrownBy(() -> stuck.extract(file, "text/plain", "a.txt"))
			.withMessage("reading the file took longer than 300 ms, the limit (protostar.ingestion.parse-timeout)");
		assertThat(parser.get().isAlive()).as("the stuck parse still runs, but the caller is free").isTrue();
		assertThat(parser.get().isInterrupted()).as("the abandoned parse was told to stop").isTrue();
		parser.get().join(Duration.ofSeconds(10));
	}

	@Test
	void anInterruptedCallerAbandonsTheParse() throws Exception {
		AtomicReference<Thread> parser = new AtomicReference<>();
		TextExtractor endless = new TextExtractor(TestLimits.limits()) {
			@Override
			String parse(Path file, String declaredType, String filename, Deadline deadline) {
				parser.set(Thread.currentThread());
				while (true) {
					deadline.check(); // as the PDF and DOCX loops do
					Thread.onSpinWait();
				}
			}
		};
		Path file = write("some text".getBytes(StandardCharsets.UTF_8));
		AtomicReference<Throwable> failure = new AtomicReference<>();
		Thread caller = new Thread(() -> {
			try {
				endless.extract(file, "text/plain", "a.txt");
			}
			catch (Throwable ex) {
				failure.set(ex);
			}
		});
		caller.start();
		IngestionHarness.await(Duration.ofSeconds(10), "the parse runs", () -> parser.get() != null);
		caller.interrupt(); // the worker shutting down
		caller.join(Duration.ofSeconds(10));
		assertThat(failure.get()).isInstanceOf(InterruptedException.class);
		parser.get().join(Duration.ofSeconds(10));
		assertThat(parser.get().isAlive()).as("the abandoned parse stopped at its next check").isFalse();
	}

	private String extract(ParseLimits limits, byte[] content, String type) throws Exception {
		return new TextExtractor(limits).extract(write(content), type, "upload");
	}

	private Path write(byte[] content) throws Exception {
		Path file = Files.createTempFile(this.files, "upload-", ".bin");
		Files.write(file, content);
		return file;
	}

	private static synchronized byte[] classicZipBomb() throws Exception {
		if (classicZipBomb == null) {
			classicZipBomb = TestDocuments.docxWithText(1024L * 1024 * 1024, 0);
		}
		return classicZipBomb;
	}

	static void awaitNoParseThreads() {
		IngestionHarness.await(Duration.ofSeconds(10), "no document-parser thread is left",
				() -> Thread.getAllStackTraces()
					.keySet()
					.stream()
					.noneMatch((thread) -> thread.getName().startsWith("document-parser-") && thread.isAlive()));
	}

}
