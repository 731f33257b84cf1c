// Korean and English. The browser's language picks the first; the choice is remembered.
const messages = {
  en: {
    appName: 'Protostar', signIn: 'Sign in', signUp: 'Create account', signOut: 'Sign out',
    signOutEverywhere: 'Sign out everywhere', email: 'E-mail', password: 'Password',
    displayName: 'Name', newPassword: 'New password', currentPassword: 'Current password',
    changePassword: 'Change password', passwordChanged: 'Password changed; other sessions are signed out.',
    noAccount: 'No account yet?', haveAccount: 'Already have an account?',
    setupTitle: 'Create the first administrator', setupDone: 'Administrator created.',
    setupNoToken: 'This setup link has no token. Use the link printed by protostar up.',
    inviteNote: 'You were invited: the account is created with the invitation.',
    conversations: 'Conversations', newConversation: 'New conversation', search: 'Search conversations',
    rename: 'Rename', delete: 'Delete', confirmDelete: 'Delete this conversation?', untitled: 'New conversation',
    ask: 'Ask', askPlaceholder: 'Ask a question about HR… (Enter sends, Shift+Enter for a new line)',
    askLabel: 'Your question', you: 'You', assistant: 'Protostar', thinking: 'Answering…',
    degraded: 'The language model was unavailable: this answer quotes the best passages directly.',
    sources: 'Sources', passage: 'Cited passage', close: 'Close', passageUnavailable: 'This passage cannot be shown.',
    helpful: 'Helpful', notHelpful: 'Not helpful', comment: 'Comment (optional)', send: 'Send',
    thanks: 'Thanks for the feedback.', quota: 'Questions left today: {left} of {total}',
    quotaSimple: 'Up to {total} questions a day',
    rateLimited: 'Too many requests: try again in {s} s.', maintenance: 'Protostar is under maintenance. Please try again shortly.',
    offline: 'Offline: waiting for the network…', reconnecting: 'Reconnecting…', connected: '',
    error: 'Something went wrong.', answerFailed: 'The answer failed: {m}', retrying: 'Retrying…',
    admin: 'Admin', chat: 'Chat', settings: 'Settings', language: 'Language',
    documents: 'Documents', users: 'Users', queue: 'Queue', feedback: 'Feedback', audit: 'Audit',
    upload: 'Upload', dropHere: 'Drop files here or choose them', chooseFiles: 'Choose files',
    access: 'Access', status: 'Status', all: 'All', title: 'Title', chunks: 'Chunks', actions: 'Actions',
    reindex: 'Reindex', refresh: 'Refresh', tier: 'Tier', change: 'Change', revokeSessions: 'Revoke sessions',
    done: 'Done.', waiting: 'Waiting', running: 'Running', deadLetters: 'Dead letters', oldest: 'Oldest waiting (s)',
    question: 'Question', answer: 'Answer',
    replay: 'Replay', none: 'Nothing here.', rating: 'Rating', when: 'When', user: 'User', action: 'Action',
    from: 'From', to: 'To', filter: 'Filter', notAvailable: 'Not available on this server yet.',
    sessions: 'Sessions', skip: 'Skip to the question box', menu: 'Conversations',
  },
  ko: {
    appName: 'Protostar', signIn: '로그인', signUp: '계정 만들기', signOut: '로그아웃',
    signOutEverywhere: '모든 기기에서 로그아웃', email: '이메일', password: '비밀번호',
    displayName: '이름', newPassword: '새 비밀번호', currentPassword: '현재 비밀번호',
    changePassword: '비밀번호 변경', passwordChanged: '비밀번호를 바꿨습니다. 다른 세션은 로그아웃되었습니다.',
    noAccount: '계정이 없으신가요?', haveAccount: '이미 계정이 있으신가요?',
    setupTitle: '첫 관리자 만들기', setupDone: '관리자를 만들었습니다.',
    setupNoToken: '설정 링크에 토큰이 없습니다. protostar up이 출력한 링크를 사용하세요.',
    inviteNote: '초대를 받았습니다. 초대로 계정이 만들어집니다.',
    conversations: '대화', newConversation: '새 대화', search: '대화 검색',
    rename: '이름 바꾸기', delete: '삭제', confirmDelete: '이 대화를 삭제할까요?', untitled: '새 대화',
    ask: '질문하기', askPlaceholder: '인사 관련 질문을 입력하세요… (Enter 보내기, Shift+Enter 줄바꿈)',
    askLabel: '질문', you: '나', assistant: 'Protostar', thinking: '답변 중…',
    degraded: '언어 모델을 사용할 수 없어 가장 관련 있는 문단을 그대로 인용했습니다.',
    sources: '출처', passage: '인용된 문단', close: '닫기', passageUnavailable: '이 문단은 표시할 수 없습니다.',
    helpful: '도움이 됨', notHelpful: '도움이 안 됨', comment: '의견 (선택)', send: '보내기',
    thanks: '의견 감사합니다.', quota: '오늘 남은 질문: {left} / {total}',
    quotaSimple: '하루 최대 {total}개 질문',
    rateLimited: '요청이 너무 많습니다. {s}초 후에 다시 시도하세요.', maintenance: '점검 중입니다. 잠시 후 다시 시도하세요.',
    offline: '오프라인: 네트워크를 기다리는 중…', reconnecting: '다시 연결하는 중…', connected: '',
    error: '문제가 발생했습니다.', answerFailed: '답변 실패: {m}', retrying: '다시 시도하는 중…',
    admin: '관리', chat: '채팅', settings: '설정', language: '언어',
    documents: '문서', users: '사용자', queue: '작업 대기열', feedback: '피드백', audit: '감사 기록',
    upload: '업로드', dropHere: '파일을 여기에 끌어다 놓거나 선택하세요', chooseFiles: '파일 선택',
    access: '공개 범위', status: '상태', all: '전체', title: '제목', chunks: '청크', actions: '작업',
    reindex: '다시 색인', refresh: '새로고침', tier: '등급', change: '변경', revokeSessions: '세션 종료',
    done: '완료.', waiting: '대기', running: '실행 중', deadLetters: '실패 작업', oldest: '가장 오래 대기 (초)',
    question: '질문', answer: '답변',
    replay: '다시 실행', none: '항목이 없습니다.', rating: '평가', when: '시각', user: '사용자', action: '동작',
    from: '부터', to: '까지', filter: '거르기', notAvailable: '이 서버에서는 아직 사용할 수 없습니다.',
    sessions: '세션', skip: '질문 입력으로 건너뛰기', menu: '대화 목록',
  },
};

let lang = localStorage.getItem('protostar.lang')
  || ((navigator.language || 'en').toLowerCase().startsWith('ko') ? 'ko' : 'en');

export function language() {
  return lang;
}

export function setLanguage(next) {
  lang = messages[next] ? next : 'en';
  localStorage.setItem('protostar.lang', lang);
  document.documentElement.lang = lang;
}

export function t(key, vars = {}) {
  const text = messages[lang][key] ?? messages.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

document.documentElement.lang = lang;
