package dev.protostar.worker.ingestion;

import java.io.IOException;
import java.nio.file.Path;

import org.apache.poi.openxml4j.exceptions.InvalidFormatException;
import org.apache.poi.openxml4j.opc.OPCPackage;
import org.apache.poi.openxml4j.opc.PackageAccess;
import org.apache.poi.openxml4j.util.ZipSecureFile;
import org.apache.poi.xwpf.extractor.XWPFWordExtractor;
import org.apache.poi.xwpf.model.XWPFHeaderFooterPolicy;
import org.apache.poi.xwpf.usermodel.IBodyElement;
import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.apache.poi.xwpf.usermodel.XWPFHeaderFooter;

/**
 * The text of a DOCX document, read with POI within {@link ParseLimits}.
 *
 * <ul>
 * <li>The package is opened from the file, so an entry is unpacked only when it is
 * read, and through POI's zip-bomb guard ({@link ZipSecureFile}): an entry that unpacks
 * to more than {@code maxDocxEntryBytes}, or to more than {@code 1 / minDocxInflateRatio}
 * times its compressed size (past 100 KB), fails the file while it is being unpacked;
 * so does a container with more than {@code maxDocxEntries} entries.</li>
 * <li>The text is POI's {@link XWPFWordExtractor#getText()}, built one body element
 * (paragraph, table) at a time so that it stops as soon as it can no longer fit or the
 * time is up.</li>
 * </ul>
 */
final class DocxText {

	private DocxText() {
	}

	static String extract(Path file, ParseLimits limits, Deadline deadline) throws UnusableDocumentException {
		guard(limits);
		OPCPackage container;
		try {
			container = OPCPackage.open(file.toFile(), PackageAccess.READ);
		}
		catch (InvalidFormatException | RuntimeException ex) {
			throw failure(ex, limits, deadline);
		}
		try {
			XWPFDocument document = new XWPFDocument(container);
			deadline.check();
			// As XWPFWordExtractor.getText(): headers, the body, footers.
			XWPFWordExtractor extractor = new XWPFWordExtractor(document);
			XWPFHeaderFooterPolicy sections = document.getHeaderFooterPolicy();
			StringBuilder text = new StringBuilder();
			if (sections != null) {
				append(text, sections.getFirstPageHeader());
				append(text, sections.getEvenPageHeader());
				append(text, sections.getDefaultHeader());
			}
			for (IBodyElement element : document.getBodyElements()) {
				extractor.appendBodyElementText(text, element);
				text.append('\n');
				BoundedText.check(text, limits, deadline);
			}
			if (sections != null) {
				append(text, sections.getFirstPageFooter());
				append(text, sections.getEvenPageFooter());
				append(text, sections.getDefaultFooter());
			}
			BoundedText.check(text, limits, deadline);
			return text.toString();
		}
		catch (IOException | RuntimeException ex) {
			throw failure(ex, limits, deadline);
		}
		finally {
			container.revert(); // closes the file; close() would try to save a read-only package
		}
	}

	/**
	 * POI's zip-bomb guard. Its settings are static, shared by every parse in the JVM;
	 * all extractors of a worker have the same limits, so setting them before each parse
	 * changes nothing there and gives each test its own.
	 */
	private static void guard(ParseLimits limits) {
		ZipSecureFile.setMinInflateRatio(limits.minDocxInflateRatio());
		ZipSecureFile.setMaxEntrySize(limits.maxDocxEntryBytes());
		ZipSecureFile.setMaxFileCount(limits.maxDocxEntries());
		// POI's own text extractors stop here; the walk above stops at the same length.
		ZipSecureFile.setMaxTextSize(limits.rawChars());
	}

	private static void append(StringBuilder text, XWPFHeaderFooter part) {
		if (part != null) {
			text.append(part.getText());
		}
	}

	/**
	 * What went wrong, for the uploader. POI reports its guard's limits only in the
	 * message (naming the constant), somewhere in the chain of causes.
	 * @throws LimitExceededException when a limit was hit
	 */
	private static UnusableDocumentException failure(Exception ex, ParseLimits limits, Deadline deadline) {
		LimitExceededException limit = LimitExceededException.in(ex);
		if (limit != null) {
			throw limit;
		}
		for (Throwable t = ex; t != null; t = (t.getCause() == t) ? null : t.getCause()) {
			String message = String.valueOf(t.getMessage());
			if (message.contains("MAX_ENTRY_SIZE")) {
				throw new LimitExceededException(limits.docxEntryTooLarge());
			}
			if (message.contains("MIN_INFLATE_RATIO")) {
				throw new LimitExceededException(limits.docxTooCompressed());
			}
			if (message.contains("MAX_FILE_COUNT")) {
				throw new LimitExceededException(limits.tooManyDocxEntries());
			}
		}
		deadline.check(); // an abandoned parse's reads fail once its thread is interrupted
		return new UnusableDocumentException("not a readable DOCX document: " + ex.getMessage(), ex);
	}

}
