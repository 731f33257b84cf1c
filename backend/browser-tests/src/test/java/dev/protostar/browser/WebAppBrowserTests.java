package dev.protostar.browser;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import com.deque.html.axecore.results.Results;
import com.deque.html.axecore.selenium.AxeBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The web app in headless chromium against a running stack: an admin uploads a
 * document through the page and sees it ready; a new employee signs up, asks,
 * watches the answer stream in and opens the cited passage; markup in a document and
 * in a question stays text; the phone and desktop layouts are usable. Screenshots go
 * to {@code target/screenshots}.
 * <p>
 * Runs only with {@code -Dprotostar.browser.base-url=https://host:port} (and the
 * bootstrap admin's {@code protostar.browser.admin-email} and {@code -password}).
 */
@EnabledIfSystemProperty(named = "protostar.browser.base-url", matches = "https?://.+")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebAppBrowserTests {

	/** Unique per run, so a rerun against the same stack finds its own document. */
	private static final String TOPIC = "Zorblax" + UUID.randomUUID().toString().substring(0, 6);

	private static final String DOCUMENT_TITLE = TOPIC + " policy";

	/** What a hostile document or question might carry: none of it may run. */
	private static final String PAYLOAD = "<img src=x onerror=alert(1)><script>alert('xss')</script>";

	private static final Dimension DESKTOP = new Dimension(1280, 900);

	private static final Dimension PHONE = new Dimension(360, 740);

	private static String baseUrl;

	private static Path screenshots;

	private static WebDriver driver;

	@BeforeAll
	static void startBrowser() throws IOException {
		baseUrl = System.getProperty("protostar.browser.base-url").replaceAll("/$", "");
		screenshots = Path.of(System.getProperty("protostar.browser.screenshots", "target/screenshots"));
		Files.createDirectories(screenshots);
		ChromeOptions options = new ChromeOptions();
		options.setBinary(System.getProperty("protostar.browser.chromium", "/usr/bin/chromium"));
		// The stack's certificate is self-signed for localhost.
		options.setAcceptInsecureCerts(true);
		options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=en-US",
				"--window-size=1280,900");
		// Debian's driver, named explicitly: Selenium Manager must not try to download one.
		ChromeDriverService service = new ChromeDriverService.Builder()
			.usingDriverExecutable(new File(System.getProperty("protostar.browser.driver", "/usr/bin/chromedriver")))
			.build();
		driver = new ChromeDriver(service, options);
	}

	@AfterAll
	static void stopBrowser() {
		if (driver != null) {
			driver.quit();
		}
	}

	@Test
	@Order(1)
	void anAdminUploadsADocumentAndSeesItReady() throws IOException {
		driver.manage().window().setSize(DESKTOP);
		signIn(System.getProperty("protostar.browser.admin-email"), System.getProperty("protostar.browser.admin-password"));
		driver.get(baseUrl + "/admin/documents");
		// Plain text: its markup reaches the answers as the model quotes it (Markdown files
		// lose their HTML at ingestion), so the page itself must keep it inert.
		Path file = Files.createTempFile(DOCUMENT_TITLE.replace(' ', '-') + "-", ".txt");
		Files.writeString(file, """
				# %s

				The %s allowance: every employee receives 42 %s credits each quarter %s.
				""".formatted(DOCUMENT_TITLE, TOPIC, TOPIC, PAYLOAD));
		new Select(find(By.id("upload-access"))).selectByValue("PUBLIC");
		driver.findElement(By.id("upload-files")).sendKeys(file.toAbsolutePath().toString());
		WebElement row = waitFor(Duration.ofSeconds(120), By.xpath(
				"//tr[td[contains(., '" + file.getFileName() + "') or contains(., '" + TOPIC + "')]]/td[contains(@class,'doc-status') and contains(@class,'ready')]"));
		assertThat(row.getText()).contains("ready");
		assertThat(driver.findElements(By.cssSelector("#uploads progress"))).isNotEmpty();
		screenshot("documents-desktop");
		driver.manage().window().setSize(PHONE);
		assertNoHorizontalScroll();
		screenshot("documents-360");
		driver.manage().window().setSize(DESKTOP);
		signOut();
	}

	@Test
	@Order(2)
	void aNewEmployeeAsksAndTheStreamedAnswerCitesTheDocument() {
		driver.manage().window().setSize(DESKTOP);
		signUp();
		screenshot("chat-empty-desktop");
		// Counts the moments streamed text (tokens, before the stored answer) is on screen.
		((JavascriptExecutor) driver).executeScript("""
				window.streamedPaints = 0;
				new MutationObserver(() => {
				  if (document.querySelector('#messages .markdown.streaming')) window.streamedPaints++;
				}).observe(document.getElementById('messages'), {childList: true, subtree: true, characterData: true});""");
		ask("How many " + TOPIC + " credits does an employee receive each quarter?");
		WebElement answer = waitFor(Duration.ofSeconds(90), By.cssSelector(".message.assistant.answered"));
		assertThat(((Number) ((JavascriptExecutor) driver).executeScript("return window.streamedPaints;")).intValue())
			.as("paints of streamed text before the answer").isPositive();
		assertThat(answer.getText()).contains("42");
		// The document's markup, quoted in the answer, is shown as text: nothing ran or was inserted.
		assertInert();
		// Exactly one answer bubble: nothing was repeated.
		assertThat(driver.findElements(By.cssSelector(".message.assistant"))).hasSize(1);
		List<WebElement> citations = answer.findElements(By.cssSelector("button.cite"));
		assertThat(citations).isNotEmpty();
		screenshot("answer-desktop");
		citations.get(0).click();
		WebElement dialog = waitFor(Duration.ofSeconds(10), By.cssSelector("dialog#passage[open]"));
		new WebDriverWait(driver, Duration.ofSeconds(10))
			.until((d) -> d.findElement(By.id("passage-text")).getText().contains("42"));
		assertThat(dialog.findElement(By.id("passage-title")).getText()).contains(TOPIC);
		// The document's markup is shown as text, and nothing of it ran or was inserted.
		assertInert();
		screenshot("passage-desktop");
		dialog.findElement(By.id("passage-close")).click();
		driver.manage().window().setSize(PHONE);
		assertThat(find(By.id("question")).isDisplayed()).isTrue();
		assertNoHorizontalScroll();
		screenshot("answer-360");
		driver.manage().window().setSize(DESKTOP);
	}

	@Test
	@Order(3)
	void markupInAQuestionRendersAsText() {
		ask(PAYLOAD + " **not bold** about " + TOPIC);
		WebElement question = waitFor(Duration.ofSeconds(10),
				By.xpath("//li[contains(@class,'message') and contains(@class,'user')][last()]"));
		assertThat(question.getText()).contains("<script>alert('xss')</script>").contains("**not bold**");
		waitFor(Duration.ofSeconds(90), By.cssSelector(".message.assistant.answered"));
		assertInert();
	}

	@Test
	@Order(4)
	void phoneAndDesktopLayoutsAreUsable() {
		for (Dimension size : List.of(PHONE, DESKTOP)) {
			driver.manage().window().setSize(size);
			driver.get(baseUrl + "/");
			WebElement question = waitFor(Duration.ofSeconds(10), By.id("question"));
			assertThat(question.isDisplayed()).as("composer at %s", size).isTrue();
			assertThat(find(By.id("ask")).isDisplayed()).isTrue();
			assertNoHorizontalScroll();
			screenshot("chat-" + (size.equals(PHONE) ? "360" : "desktop"));
		}
	}

	@Test
	@Order(5)
	void enterWhileComposingDoesNotSend() {
		driver.manage().window().setSize(DESKTOP);
		// A new employee: no conversation yet, so nothing loads into the page meanwhile.
		signOutIfSignedIn();
		signUp();
		WebElement question = waitFor(Duration.ofSeconds(10), By.id("question"));
		question.sendKeys("연차");
		int before = 0;
		// An input method's Enter: keydown with isComposing (keyCode 229). Sending starts
		// its first request synchronously inside the handler, so counting fetch calls
		// around the dispatch tells at once whether it sent.
		Number requests = (Number) ((JavascriptExecutor) driver).executeScript("""
				let calls = 0;
				const original = window.fetch;
				window.fetch = (...args) => { calls++; return original(...args); };
				arguments[0].dispatchEvent(new KeyboardEvent('keydown',
				  {key: 'Enter', keyCode: 229, isComposing: true, bubbles: true, cancelable: true}));
				window.fetch = original;
				return calls;""", question);
		assertThat(requests.intValue()).as("requests sent by Enter while composing").isZero();
		assertThat(driver.findElements(By.cssSelector(".message.user"))).hasSize(before);
		assertThat(question.getAttribute("value")).isEqualTo("연차");
		question.sendKeys(Keys.ENTER);
		new WebDriverWait(driver, Duration.ofSeconds(10))
			.until((d) -> d.findElements(By.cssSelector(".message.user")).size() == before + 1);
	}

	@Test
	@Order(6)
	void theMainPagesHaveNoSeriousAccessibilityViolations() {
		driver.manage().window().setSize(DESKTOP);
		driver.get(baseUrl + "/");
		waitFor(Duration.ofSeconds(10), By.id("question"));
		assertAccessible("chat");
		signOut();
		assertAccessible("sign-in");
		driver.get(baseUrl + "/signup");
		waitFor(Duration.ofSeconds(10), By.id("displayName"));
		assertAccessible("sign-up");
		signIn(System.getProperty("protostar.browser.admin-email"), System.getProperty("protostar.browser.admin-password"));
		driver.get(baseUrl + "/admin/documents");
		waitFor(Duration.ofSeconds(10), By.cssSelector("#document-list table"));
		assertAccessible("documents");
	}

	private static void assertAccessible(String page) {
		Results results = new AxeBuilder().withTags(List.of("wcag2a", "wcag2aa")).analyze(driver);
		List<String> serious = results.getViolations()
			.stream()
			.filter((rule) -> "serious".equals(rule.getImpact()) || "critical".equals(rule.getImpact()))
			.map((rule) -> rule.getId() + " (" + rule.getImpact() + "): " + rule.getNodes().stream()
				.map((node) -> String.valueOf(node.getTarget()))
				.toList())
			.toList();
		assertThat(serious).as("serious or critical axe violations on " + page).isEmpty();
	}

	private static void signIn(String email, String password) {
		driver.get(baseUrl + "/signin");
		find(By.id("email")).sendKeys(email);
		find(By.id("password")).sendKeys(password, Keys.ENTER);
		waitFor(Duration.ofSeconds(15), By.cssSelector(".topbar"));
	}

	private static void signUp() {
		driver.get(baseUrl + "/signup");
		find(By.id("displayName")).sendKeys("Browser " + TOPIC);
		find(By.id("email")).sendKeys("browser-" + UUID.randomUUID() + "@example.com");
		find(By.id("password")).sendKeys("correct-horse-battery", Keys.ENTER);
		waitFor(Duration.ofSeconds(15), By.id("question"));
	}

	private static void signOutIfSignedIn() {
		driver.get(baseUrl + "/");
		new WebDriverWait(driver, Duration.ofSeconds(10)).until((d) -> !d.findElements(By.id("email")).isEmpty()
				|| !d.findElements(By.id("question")).isEmpty());
		if (!driver.findElements(By.id("question")).isEmpty()) {
			signOut();
		}
	}

	private static void signOut() {
		driver.findElement(By.xpath("//header//button[contains(@class,'link')]")).click();
		waitFor(Duration.ofSeconds(10), By.id("email"));
	}

	private static void ask(String text) {
		WebElement question = waitFor(Duration.ofSeconds(10), By.id("question"));
		int answers = driver.findElements(By.cssSelector(".message.assistant.answered")).size();
		question.sendKeys(text);
		question.sendKeys(Keys.ENTER);
		new WebDriverWait(driver, Duration.ofSeconds(15)).until((d) -> d
			.findElements(By.cssSelector(".message.assistant")).size() > answers);
	}

	private static void assertInert() {
		assertThatThrownBy(() -> driver.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
		assertThat(driver.findElements(By.cssSelector("#app img[src='x'], #app script, dialog script"))).isEmpty();
	}

	private static void assertNoHorizontalScroll() {
		Object overflow = ((JavascriptExecutor) driver)
			.executeScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
		assertThat(((Number) overflow).longValue()).as("horizontal overflow in px").isLessThanOrEqualTo(0);
	}

	private static WebElement find(By by) {
		return waitFor(Duration.ofSeconds(10), by);
	}

	private static WebElement waitFor(Duration timeout, By by) {
		return new WebDriverWait(driver, timeout).until(ExpectedConditions.visibilityOfElementLocated(by));
	}

	private static void screenshot(String name) {
		try {
			Files.write(screenshots.resolve(name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
