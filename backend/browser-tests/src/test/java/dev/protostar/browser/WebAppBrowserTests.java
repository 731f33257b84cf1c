package dev.protostar.browser;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Year;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.deque.html.axecore.results.Results;
import com.deque.html.axecore.selenium.AxeBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.FluentWait;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The web app in headless chromium against a running stack: an admin uploads a
 * document through the page and sees it ready; a new employee signs up, asks,
 * watches the answer stream in and opens the cited passage; markup in a document and
 * in a question stays text; the phone and desktop layouts are usable. Then what an
 * employee and an admin do every day: the quota line counts questions; conversations
 * are listed newest first, renamed, searched (titles and messages) and deleted; a vote
 * with a comment reaches the admins' feedback list; an admin changes a tier, meets the
 * self-demotion guard, revokes a user's sessions (that user's page ends at sign-in) and
 * reads the queue and the audit; a Korean browser gets Korean pages. Screenshots go to
 * {@code target/screenshots}; the first test's (a tidy library and question) are the
 * ones in backend/docs/web.
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

	/** The employee of the cited-answer test, whose conversations the later tests use. */
	private static String employee;

	/** That employee's session (the page's localStorage entry), kept across an admin's sign-in. */
	private static String employeeSession;

	/** What the page showed when a test failed, beside the other screenshots. */
	@RegisterExtension
	static final TestWatcher SCREENSHOT_ON_FAILURE = new TestWatcher() {
		@Override
		public void testFailed(ExtensionContext context, Throwable cause) {
			if (driver != null) {
				screenshot("failed-" + context.getRequiredTestMethod().getName());
			}
		}
	};

	@BeforeAll
	static void startBrowser() throws IOException {
		baseUrl = System.getProperty("protostar.browser.base-url").replaceAll("/$", "");
		screenshots = Path.of(System.getProperty("protostar.browser.screenshots", "target/screenshots"));
		Files.createDirectories(screenshots);
		driver = chromium("en-US");
	}

	/** A headless chromium whose language (navigator.language, Accept-Language) is the given one. */
	private static WebDriver chromium(String language) {
		ChromeOptions options = new ChromeOptions();
		options.setBinary(System.getProperty("protostar.browser.chromium", "/usr/bin/chromium"));
		// The stack's certificate is self-signed for localhost.
		options.setAcceptInsecureCerts(true);
		options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=" + language,
				"--window-size=1280,900");
		options.setExperimentalOption("prefs", Map.of("intl.accept_languages", language));
		// Debian's driver, named explicitly: Selenium Manager must not try to download one.
		ChromeDriverService service = new ChromeDriverService.Builder()
			.usingDriverExecutable(new File(System.getProperty("protostar.browser.driver", "/usr/bin/chromedriver")))
			.build();
		return new ChromeDriver(service, options);
	}

	@AfterAll
	static void stopBrowser() {
		if (driver != null) {
			driver.quit();
		}
	}

	/**
	 * The product's screenshots (backend/docs/web): a few realistic policies in the
	 * library, a realistic question and its cited answer, desktop and phone. First, so
	 * nothing of the markup tests is in the library or the answers yet.
	 */
	@Test
	@Order(1)
	void anEmployeesHrQuestionIsAnsweredFromThePolicies() throws IOException {
		driver.manage().window().setSize(DESKTOP);
		signIn(System.getProperty("protostar.browser.admin-email"), System.getProperty("protostar.browser.admin-password"));
		driver.get(baseUrl + "/admin/documents");
		Path library = Files.createTempDirectory("protostar-policies-");
		Map<String, String> policies = new LinkedHashMap<>();
		policies.put("Remote work policy", """
				# Remote work policy

				Employees may work from home up to three days a week, agreed with their manager.
				Tuesdays and Thursdays are office days for every team. The company pays a one-off
				allowance of 300 euros for a desk chair and a monitor at home.
				""");
		policies.put("Parental leave policy", """
				# Parental leave policy

				Every parent receives 16 weeks of paid parental leave, to be taken within the first
				year after the birth or adoption. Tell HR at least eight weeks before the leave starts.
				""");
		policies.put("Travel and expenses", """
				# Travel and expenses

				Book trains for journeys under four hours. Submit receipts within 30 days through the
				expenses form; meals are reimbursed up to 45 euros a day.
				""");
		policies.put("Learning budget", """
				# Learning budget

				Each employee has a learning budget of 1,000 euros a year for courses, books and
				conferences. Unused budget does not carry over to the next year.
				""");
		StringBuilder files = new StringBuilder();
		for (Map.Entry<String, String> policy : policies.entrySet()) {
			Path file = Files.writeString(library.resolve(policy.getKey() + ".md"), policy.getValue());
			files.append(files.isEmpty() ? "" : "\n").append(file.toAbsolutePath());
		}
		new Select(find(By.id("upload-access"))).selectByValue("PUBLIC");
		driver.findElement(By.id("upload-files")).sendKeys(files);
		for (String title : policies.keySet()) {
			waitFor(Duration.ofSeconds(120), By.xpath("//tr[td[1][.='" + title
					+ "']]/td[contains(@class,'doc-status') and contains(@class,'ready')]"));
		}
		screenshot("documents-desktop");
		signOut();

		signUp("Dana Kim");
		ask("How many days a week can I work from home?");
		WebElement answer = waitFor(Duration.ofSeconds(90), By.cssSelector(".message.assistant.answered"));
		assertThat(answer.getText()).contains("three days a week");
		List<WebElement> citations = answer.findElements(By.cssSelector("button.cite"));
		assertThat(citations).isNotEmpty();
		assertThat(answer.findElement(By.cssSelector("details.sources")).getAttribute("textContent"))
			.contains("Remote work policy");
		// The screenshot without the focus ring of the emptied composer.
		((JavascriptExecutor) driver).executeScript("document.activeElement.blur();");
		screenshot("answer-desktop");
		driver.manage().window().setSize(PHONE);
		assertNoHorizontalScroll();
		screenshot("chat-360");
		driver.manage().window().setSize(DESKTOP);
		signOut();
	}

	@Test
	@Order(2)
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
		// Filtered by status: among the failed it is not, among the ready it is, and every
		// row shown has the status chosen.
		By mine = By.xpath("//div[@id='document-list']//tr[td[contains(., '" + TOPIC + "')]]");
		for (String status : List.of("failed", "ready")) {
			new Select(find(By.id("status-filter"))).selectByValue(status);
			waitUpTo(Duration.ofSeconds(10)).until((d) -> {
				List<WebElement> statuses = d.findElements(By.cssSelector("#document-list td.doc-status"));
				return statuses.stream().allMatch((cell) -> cell.getAttribute("class").contains(status))
						&& d.findElements(mine).isEmpty() == status.equals("failed");
			});
		}
		new Select(find(By.id("status-filter"))).selectByValue("");
		screenshot("markup-documents-desktop");
		driver.manage().window().setSize(PHONE);
		assertNoHorizontalScroll();
		screenshot("markup-documents-360");
		driver.manage().window().setSize(DESKTOP);
		signOut();
	}

	@Test
	@Order(3)
	void aNewEmployeeAsksAndTheStreamedAnswerCitesTheDocument() {
		driver.manage().window().setSize(DESKTOP);
		signUp();
		screenshot("markup-chat-empty-desktop");
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
		screenshot("markup-answer-desktop");
		citations.get(0).click();
		WebElement dialog = waitFor(Duration.ofSeconds(10), By.cssSelector("dialog#passage[open]"));
		waitUpTo(Duration.ofSeconds(10))
			.until((d) -> d.findElement(By.id("passage-text")).getText().contains("42"));
		assertThat(dialog.findElement(By.id("passage-title")).getText()).contains(TOPIC);
		// The document's markup is shown as text, and nothing of it ran or was inserted.
		assertInert();
		screenshot("markup-passage-desktop");
		dialog.findElement(By.id("passage-close")).click();
		driver.manage().window().setSize(PHONE);
		assertThat(find(By.id("question")).isDisplayed()).isTrue();
		assertNoHorizontalScroll();
		screenshot("markup-answer-360");
		driver.manage().window().setSize(DESKTOP);
	}

	@Test
	@Order(4)
	void markupInAQuestionRendersAsText() {
		ask(PAYLOAD + " **not bold** about " + TOPIC);
		WebElement question = waitFor(Duration.ofSeconds(10),
				By.xpath("//li[contains(@class,'message') and contains(@class,'user')][last()]"));
		assertThat(question.getText()).contains("<script>alert('xss')</script>").contains("**not bold**");
		waitFor(Duration.ofSeconds(90), By.cssSelector(".message.assistant.answered"));
		assertInert();
	}

	@Test
	@Order(5)
	void phoneAndDesktopLayoutsAreUsable() {
		for (Dimension size : List.of(PHONE, DESKTOP)) {
			driver.manage().window().setSize(size);
			driver.get(baseUrl + "/");
			WebElement question = waitFor(Duration.ofSeconds(10), By.id("question"));
			assertThat(question.isDisplayed()).as("composer at %s", size).isTrue();
			assertThat(find(By.id("ask")).isDisplayed()).isTrue();
			assertNoHorizontalScroll();
			screenshot("layout-" + (size.equals(PHONE) ? "360" : "desktop"));
		}
	}

	/**
	 * A new employee (the tests before spent much of theirs: a guest may make 30 API
	 * requests a minute) asks two questions in two conversations; the quota line counts
	 * each.
	 */
	@Test
	@Order(6)
	void theQuotaLineCountsDownAfterEachQuestion() {
		driver.manage().window().setSize(DESKTOP);
		signOutIfSignedIn();
		employee = signUp();
		int[] before = quota();
		assertThat(before[0]).as("questions left").isPositive().isLessThanOrEqualTo(before[1]);
		ask("How many " + TOPIC + " credits does an employee receive each quarter in Lisbon?");
		waitUpTo(Duration.ofSeconds(15)).until((d) -> quota()[0] == before[0] - 1);
		waitFor(Duration.ofSeconds(90), By.cssSelector(".message.assistant.answered"));
		find(By.id("new-conversation")).click();
		waitUpTo(Duration.ofSeconds(10))
			.until((d) -> d.findElements(By.cssSelector("#messages .message")).isEmpty());
		ask("What is the " + TOPIC + " dress code on Fridays?");
		waitUpTo(Duration.ofSeconds(15)).until((d) -> quota()[0] == before[0] - 2);
		assertThat(quota()[1]).as("the tier's questions a day").isEqualTo(before[1]);
		waitFor(Duration.ofSeconds(90), By.cssSelector(".message.assistant.answered"));
	}

	/** Each list is the server's: a search, or clearing it, fetches the list again. */
	@Test
	@Order(7)
	void conversationsAreListedNewestFirstRenamedSearchedAndDeleted() {
		String credits = "How many " + TOPIC + " credits does an employee receive each";
		String dressCode = "What is the " + TOPIC + " dress code on Fridays?";
		search(TOPIC);
		// Titled by their first questions (cut at 60 characters), the last one asked in first.
		waitForConversations((titles) -> titles.equals(List.of(dressCode, credits)));

		String renamed = "Dress code " + TOPIC;
		conversationButton("Rename", dressCode).click();
		waitUpTo(Duration.ofSeconds(10)).until(ExpectedConditions.alertIsPresent());
		driver.switchTo().alert().sendKeys(renamed);
		driver.switchTo().alert().accept();
		waitForConversations((titles) -> titles.equals(List.of(renamed, credits)));

		// Found by what was asked in it: "Lisbon" is in the question, not in the title nor
		// in any answer.
		search("lisbon");
		waitForConversations((titles) -> titles.equals(List.of(credits)));
		// Stored renamed, found in any case.
		search("DRESS code");
		waitForConversations((titles) -> titles.equals(List.of(renamed)));
		search("nothing-like-" + TOPIC + "-here");
		waitForConversations(List::isEmpty);
		assertThat(find(By.cssSelector("#conversation-list li.muted")).getText()).isEqualTo("Nothing here.");
		search("");
		waitForConversations((titles) -> titles.equals(List.of(renamed, credits)));

		conversationButton("Delete", renamed).click();
		waitUpTo(Duration.ofSeconds(10)).until(ExpectedConditions.alertIsPresent());
		driver.switchTo().alert().accept();
		waitForConversations((titles) -> titles.equals(List.of(credits)));
		search(TOPIC);
		waitForConversations((titles) -> titles.equals(List.of(credits)));
	}

	@Test
	@Order(8)
	void feedbackWithACommentReachesTheAdminsList() {
		conversationButton("", "How many " + TOPIC).click();
		WebElement answer = waitFor(Duration.ofSeconds(15), By.cssSelector(".message.assistant.answered"));
		assertThat(answer.getText()).contains("42");
		answer.findElement(By.cssSelector("button[aria-label='Not helpful']")).click();
		String comment = "Right number, but " + TOPIC + " carry-over is missing";
		WebElement box = waitFor(Duration.ofSeconds(10), By.cssSelector(".message.assistant.answered .feedback input"));
		box.sendKeys(comment);
		answer.findElement(By.xpath(".//button[.='Send']")).click();
		waitUpTo(Duration.ofSeconds(10)).until((d) -> answer
			.findElement(By.cssSelector(".feedback [role=status]")).getText().equals("Thanks for the feedback."));
		// Stored: the answer, opened again, shows the vote.
		conversationButton("", "How many " + TOPIC).click();
		waitUpTo(Duration.ofSeconds(10))
			.until((d) -> "true".equals(d.findElement(By.cssSelector(".message.assistant.answered button[aria-label='Not helpful']"))
				.getAttribute("aria-pressed")));
		assertThat(find(By.cssSelector(".message.assistant.answered button[aria-label='Helpful']")).getAttribute("aria-pressed"))
			.isEqualTo("false");

		// The admin signs in beside the employee's session, which is kept for the next test.
		employeeSession = (String) ((JavascriptExecutor) driver)
			.executeScript("return localStorage.getItem('protostar.session');");
		((JavascriptExecutor) driver).executeScript("localStorage.removeItem('protostar.session');");
		signIn(System.getProperty("protostar.browser.admin-email"), System.getProperty("protostar.browser.admin-password"));
		driver.get(baseUrl + "/admin/feedback");
		WebElement row = waitFor(Duration.ofSeconds(10), By.xpath("//tr[td[.='" + comment + "']]"));
		List<String> cells = row.findElements(By.tagName("td")).stream().map(WebElement::getText).toList();
		assertThat(cells).hasSize(6);
		assertThat(cells.get(0)).as("when").isNotBlank();
		assertThat(cells.subList(1, 4)).containsExactly(employee, "Not helpful", comment);
		assertThat(cells.get(4)).as("question").startsWith("How many " + TOPIC + " credits");
		assertThat(cells.get(5)).as("answer").contains("42");
	}

	@Test
	@Order(9)
	void anAdminChangesATierIsStoppedFromDemotingThemselfAndRevokesSessions() {
		driver.get(baseUrl + "/admin/users");
		String admin = System.getProperty("protostar.browser.admin-email");
		List<String> row = userRow(employee);
		assertThat(row.subList(0, 3)).containsExactly(employee, "Browser " + TOPIC, "GUEST");

		new Select(find(By.cssSelector("select[aria-label='Tier: " + employee + "']"))).selectByValue("STARGAZER");
		userAction(employee, "Change");
		waitUpTo(Duration.ofSeconds(10)).until((d) -> userRow(employee).get(2).equals("STARGAZER"));
		assertThat(find(By.cssSelector("#admin-users .message-line")).getText()).isEqualTo("Done.");

		// The guard's own message, and the admin stays one.
		userRow(admin);
		new Select(find(By.cssSelector("select[aria-label='Tier: " + admin + "']"))).selectByValue("GUEST");
		userAction(admin, "Change");
		waitUpTo(Duration.ofSeconds(10)).until((d) -> d
			.findElement(By.cssSelector("#admin-users .message-line")).getText().equals("admins cannot demote themselves"));
		driver.navigate().refresh();
		assertThat(userRow(admin).get(2)).isEqualTo("ADMIN");

		userRow(employee);
		userAction(employee, "Revoke sessions");
		waitUpTo(Duration.ofSeconds(10)).until((d) -> d
			.findElement(By.cssSelector("#admin-users .message-line")).getText().equals("Done."));
		// The employee's page, with its revoked tokens, ends at the sign-in form.
		String adminSession = (String) ((JavascriptExecutor) driver)
			.executeScript("return localStorage.getItem('protostar.session');");
		((JavascriptExecutor) driver).executeScript("localStorage.setItem('protostar.session', arguments[0]);", employeeSession);
		driver.get(baseUrl + "/");
		waitFor(Duration.ofSeconds(15), By.id("email"));
		assertThat(driver.getCurrentUrl()).endsWith("/signin");
		assertThat(((JavascriptExecutor) driver).executeScript("return localStorage.getItem('protostar.session');")).isNull();
		((JavascriptExecutor) driver).executeScript("localStorage.setItem('protostar.session', arguments[0]);", adminSession);
	}

	@Test
	@Order(10)
	void theQueueAndTheAuditShowWhatHappened() {
		driver.get(baseUrl + "/admin/queue");
		waitFor(Duration.ofSeconds(10), By.cssSelector("#admin-queue dl.stats dd"));
		List<String> terms = driver.findElements(By.cssSelector("#admin-queue dl.stats dt")).stream().map(WebElement::getText).toList();
		List<String> figures = driver.findElements(By.cssSelector("#admin-queue dl.stats dd")).stream().map(WebElement::getText).toList();
		assertThat(terms).containsExactly("Waiting", "Running", "Dead letters", "Oldest waiting (s)");
		assertThat(figures).allMatch((figure) -> figure.matches("\\d+"), "whole numbers");
		// As many dead letters listed as counted (none: "Nothing here.").
		int dead = Integer.parseInt(figures.get(2));
		if (dead == 0) {
			assertThat(find(By.cssSelector("#admin-queue p.muted")).getText()).isEqualTo("Nothing here.");
		}
		else {
			// The list comes by a request of its own, which may answer after the figures.
			int listed = Math.min(dead, 50);
			waitUpTo(Duration.ofSeconds(10))
				.until((d) -> d.findElements(By.cssSelector("#admin-queue tbody tr")).size() == listed);
			assertThat(driver.findElements(By.cssSelector("#admin-queue tbody tr"))).hasSize(listed);
		}
		// The job the suite dead-lettered, with the worker's reason, replayed from its row.
		String letter = System.getProperty("protostar.browser.dead-letter");
		if (letter != null) {
			assertThat(dead).as("dead letters counted").isPositive();
			By row = By.xpath("//*[@id='admin-queue']//tr[td[1][.='" + letter + "']]");
			List<String> cells = find(row).findElements(By.tagName("td")).stream().map(WebElement::getText).toList();
			assertThat(cells.get(1)).isEqualTo("ingestion");
			assertThat(cells.get(2)).isEqualTo("NonRetryableJobException: documentId 'not-a-uuid' is not a UUID");
			driver.findElement(row).findElement(By.xpath(".//button[.='Replay']")).click();
			waitUpTo(Duration.ofSeconds(10)).until((d) -> d
				.findElement(By.cssSelector("#admin-queue .message-line")).getText().equals("Done."));
		}

		String adminId = (String) ((JavascriptExecutor) driver)
			.executeScript("return JSON.parse(localStorage.getItem('protostar.session')).user.id;");
		driver.get(baseUrl + "/admin/audit");
		find(By.id("audit-action")).sendKeys("LOGIN", Keys.ENTER);
		// The newest sign-in is the admin's own, a moment ago.
		waitUpTo(Duration.ofSeconds(10))
			.until((d) -> {
			List<WebElement> rows = d.findElements(By.cssSelector("#admin-audit tbody tr"));
			return !rows.isEmpty() && rows.stream().allMatch((r) -> r.findElements(By.tagName("td")).get(2).getText().equals("LOGIN"));
		});
		List<String> newest = driver.findElement(By.cssSelector("#admin-audit tbody tr")).findElements(By.tagName("td"))
			.stream().map(WebElement::getText).toList();
		assertThat(newest.get(0)).as("when").contains(String.valueOf(Year.now(ZoneOffset.UTC).getValue()));
		assertThat(newest.get(1)).as("who").isEqualTo(adminId);
		assertThat(newest.get(2)).isEqualTo("LOGIN");
	}

	@Test
	@Order(11)
	void aKoreanBrowserGetsTheKoreanPagesAndTheSwitchChangesLanguage() {
		WebDriver korean = chromium("ko-KR");
		try {
			korean.get(baseUrl + "/signin");
			WebDriverWait wait = new WebDriverWait(korean, Duration.ofSeconds(10));
			wait.until((d) -> d.findElement(By.tagName("h1")).getText().equals("로그인"));
			assertThat(korean.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo("ko");
			assertThat(korean.findElement(By.cssSelector("label[for=email]")).getText()).isEqualTo("이메일");
			new Select(korean.findElement(By.id("language"))).selectByValue("en");
			wait.until((d) -> d.findElement(By.tagName("h1")).getText().equals("Sign in"));
			assertThat(korean.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo("en");
			assertThat(korean.findElement(By.cssSelector("label[for=email]")).getText()).isEqualTo("E-mail");
			new Select(korean.findElement(By.id("language"))).selectByValue("ko");
			wait.until((d) -> d.findElement(By.tagName("h1")).getText().equals("로그인"));
			assertThat(korean.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo("ko");
			// Signed in, the chat is Korean too, and the choice outlives a new page.
			korean.findElement(By.cssSelector("a[href='/signup']")).click();
			wait.until((d) -> d.findElement(By.tagName("h1")).getText().equals("계정 만들기"));
			korean.findElement(By.id("displayName")).sendKeys("김다나");
			korean.findElement(By.id("email")).sendKeys("browser-ko-" + UUID.randomUUID() + "@example.com");
			korean.findElement(By.id("password")).sendKeys("correct-horse-battery", Keys.ENTER);
			wait.until((d) -> d.findElement(By.id("ask")).getText().equals("질문하기"));
			korean.navigate().refresh();
			wait.until((d) -> d.findElement(By.id("new-conversation")).getText().equals("새 대화"));
			wait.until((d) -> d.findElement(By.id("quota")).getText().startsWith("오늘 남은 질문: "));
			assertThat(korean.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo("ko");
		}
		finally {
			korean.quit();
		}
	}

	/**
	 * The first administrator's page, with a link from {@code protostar admin reset-link}
	 * (in {@code PROTOSTAR_BROWSER_SETUP_LINK}, not a property: it holds a secret): it makes
	 * an admin and signs them in, the token leaves the address bar, and the same link
	 * a second time shows the envelope's reason.
	 */
	@Test
	@Order(12)
	void theSetupLinkCreatesAnAdministratorOnce() {
		String link = System.getenv("PROTOSTAR_BROWSER_SETUP_LINK");
		Assumptions.assumeTrue(link != null && !link.isEmpty(), "no setup link given");
		driver.manage().window().setSize(DESKTOP);
		signOutIfSignedIn();
		String email = "setup-" + UUID.randomUUID() + "@example.com";
		submitWaitingOutTheLimit(By.id("document-list"), () -> {
			driver.get(link);
			find(By.id("displayName")).sendKeys("First Admin");
			find(By.id("email")).sendKeys(email);
			find(By.id("password")).sendKeys("first-admin-password", Keys.ENTER);
		});
		assertThat(driver.getCurrentUrl()).isEqualTo(baseUrl + "/admin/documents");
		Object tier = ((JavascriptExecutor) driver)
			.executeScript("return JSON.parse(localStorage.getItem('protostar.session')).user.tier;");
		assertThat(tier).isEqualTo("ADMIN");

		signOut();
		By refused = By.xpath("//p[@role='alert' and starts-with(., 'the setup link is invalid, used or expired')]");
		submitWaitingOutTheLimit(refused, () -> {
			driver.get(link);
			find(By.id("displayName")).sendKeys("Second Admin");
			find(By.id("email")).sendKeys("second-" + email);
			find(By.id("password")).sendKeys("second-admin-password", Keys.ENTER);
		});
		assertAccessible("setup");
		assertThat(driver.findElements(By.cssSelector(".topbar"))).as("signed in").isEmpty();
	}

	@Test
	@Order(20)
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
		waitUpTo(Duration.ofSeconds(10))
			.until((d) -> d.findElements(By.cssSelector(".message.user")).size() == before + 1);
	}

	@Test
	@Order(30)
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

	/** Questions left today and the tier's total, as the quota line says them. */
	private static int[] quota() {
		String line = waitFor(Duration.ofSeconds(10), By.id("quota")).getText();
		Matcher numbers = Pattern.compile("Questions left today: (\\d+) of (\\d+)").matcher(line);
		assertThat(numbers.matches()).as("quota line '%s'", line).isTrue();
		return new int[] { Integer.parseInt(numbers.group(1)), Integer.parseInt(numbers.group(2)) };
	}

	private static List<String> conversationTitles() {
		return driver.findElements(By.cssSelector("#conversation-list .conversation-open")).stream()
			.map(WebElement::getText)
			.toList();
	}

	/** Waits until the list's titles, top to bottom, satisfy the condition. */
	private static void waitForConversations(Predicate<List<String>> condition) {
		waitUpTo(Duration.ofSeconds(10)).withMessage(() -> "conversations " + conversationTitles())
			.until((d) -> condition.test(conversationTitles()));
	}

	/** The list's Rename or Delete button (or with no action, the title) of the conversation whose title starts so. */
	private static Clickable conversationButton(String action, String titleStart) {
		By button = action.isEmpty()
				? By.xpath("//ul[@id='conversation-list']//button[@class='conversation-open' and starts-with(., '"
						+ titleStart + "')]")
				: By.cssSelector("#conversation-list button[aria-label^='" + action + ": " + titleStart + "']");
		// A list fetched a moment ago may replace the one on screen between finding and clicking.
		return () -> waitUpTo(Duration.ofSeconds(10))
			.until((d) -> {
				d.findElement(button).click();
				return true;
			});
	}

	private interface Clickable {

		void click();

	}

	private static void search(String text) {
		WebElement box = find(By.id("conversation-search"));
		box.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
		if (!text.isEmpty()) {
			box.sendKeys(text);
		}
	}

	/** Searches the users for the e-mail and returns its row's cells (exactly one row). */
	private static List<String> userRow(String email) {
		WebElement box = find(By.id("user-search"));
		box.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
		box.sendKeys(email, Keys.ENTER);
		return waitUpTo(Duration.ofSeconds(10)).until((d) -> {
				List<WebElement> rows = d.findElements(By.cssSelector("#admin-users tbody tr"));
				if (rows.size() != 1 || !rows.get(0).findElement(By.tagName("td")).getText().equals(email)) {
					return null;
				}
				return rows.get(0).findElements(By.tagName("td")).stream().map(WebElement::getText).toList();
			});
	}

	private static void userAction(String email, String button) {
		find(By.xpath("//tr[td[1][.='" + email + "']]//button[.='" + button + "']")).click();
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
		submitWaitingOutTheLimit(By.cssSelector(".topbar"), () -> {
			driver.get(baseUrl + "/signin");
			find(By.id("email")).sendKeys(email);
			find(By.id("password")).sendKeys(password, Keys.ENTER);
		});
	}

	/** The page's "try again in N s" (English) or "N초 후에" (Korean). */
	private static final Pattern RATE_LIMITED = Pattern.compile("(\\d+)\\s*(?:s\\.|초)");

	/**
	 * Fills and sends a sign-in or sign-up form until SIGNED_IN shows. These tests sign in
	 * and up from one address far faster than people do, so the per-address limit on
	 * those calls may answer 429: the page then says how many seconds to wait, and the test
	 * waits that long and sends the form again, as a person would, for at most two minutes.
	 */
	private static void submitWaitingOutTheLimit(By signedIn, Runnable fillAndSend) {
		long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
		for (;;) {
			fillAndSend.run();
			WebElement outcome = waitUpTo(Duration.ofSeconds(15)).until((d) -> {
				List<WebElement> done = d.findElements(signedIn);
				if (!done.isEmpty()) {
					return done.get(0);
				}
				return d.findElements(By.cssSelector("p.error[role=alert]")).stream()
					.filter((error) -> RATE_LIMITED.matcher(error.getText()).find())
					.findFirst()
					.orElse(null);
			});
			Matcher limited = RATE_LIMITED.matcher(outcome.getText());
			if (!driver.findElements(signedIn).isEmpty() || !limited.find()) {
				waitFor(Duration.ofSeconds(15), signedIn);
				return;
			}
			long waitMillis = (Long.parseLong(limited.group(1)) + 1) * 1000;
			assertThat(System.nanoTime() + waitMillis * 1_000_000).as("still rate limited after two minutes: " + outcome.getText())
				.isLessThan(deadline);
			try {
				Thread.sleep(waitMillis);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}
	}

	/** Signs a new employee up; returns the e-mail. */
	private static String signUp() {
		return signUp("Browser " + TOPIC);
	}

	private static String signUp(String name) {
		String email = "browser-" + UUID.randomUUID() + "@example.com";
		submitWaitingOutTheLimit(By.id("question"), () -> {
			driver.get(baseUrl + "/signup");
			find(By.id("displayName")).sendKeys(name);
			find(By.id("email")).sendKeys(email);
			find(By.id("password")).sendKeys("correct-horse-battery", Keys.ENTER);
		});
		return email;
	}

	private static void signOutIfSignedIn() {
		driver.get(baseUrl + "/");
		waitUpTo(Duration.ofSeconds(10)).until((d) -> !d.findElements(By.id("email")).isEmpty()
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
		waitUpTo(Duration.ofSeconds(15)).until((d) -> d
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

	/**
	 * A wait that tries again when the element it looked at was repainted meanwhile: the
	 * app redraws lists and the streaming answer often, so "stale" means "look again".
	 */
	private static FluentWait<WebDriver> waitUpTo(Duration timeout) {
		return new WebDriverWait(driver, timeout).ignoring(StaleElementReferenceException.class);
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
