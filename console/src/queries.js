/** Every GraphQL document the console sends. Nothing else reaches the server. */

export const PROBE = `query Probe { version sites { id name } }`;

// An analyst key is refused here (code `forbidden`): that is how the console learns the role.
export const AUDIT_PROBE = `query AuditProbe($range: DateRange!) { redactionAudit(range: $range) { chunks } }`;
export const ADMIN_PROBE = `query AdminProbe { apiKeys { keyId } }`;

const POINT = `start sessions pageViews frustratedPageViews frustrationRate signals { kind count }`;

export const OVERVIEW = `
query Overview($siteId: String!, $range: DateRange!, $interval: Interval!, $order: PageOrder!) {
  siteSeries(siteId: $siteId, range: $range, interval: $interval) { ${POINT} }
  worst: pages(siteId: $siteId, range: $range, order: $order, first: 10) {
    template department sessions pageViews frustratedPageViews frustrationRate
    signals { kind count rate }
  }
  all: pages(siteId: $siteId, range: $range, first: 500) {
    template department pageViews frustratedPageViews signals { kind count }
  }
}`;

export const ALERTS = `
subscription Alerts($siteId: String!) {
  frustrationAlerts(siteId: $siteId, pollIntervalS: 30) {
    siteId template department kind day pageViews count rate baselineRate baselineDays
  }
}`;

export const LIVE_RESPONSES = `
subscription LiveResponses($siteId: String!) {
  surveyResponses(siteId: $siteId, pollIntervalS: 5) {
    sessionId response { id surveyId submittedAt template negative }
  }
}`;

export const PAGE = `
query Page($siteId: String!, $template: String!, $range: DateRange!, $interval: Interval!,
           $kind: String, $viewport: String!) {
  page(siteId: $siteId, template: $template, range: $range) {
    template
    metrics {
      department sessions pageViews frustratedPageViews frustrationRate signals { kind count rate }
    }
    series(interval: $interval) { ${POINT} }
    topElements(kind: $kind, first: 10) { kind selector text count }
    heatmap(viewportClass: $viewport) { viewportClass binPx clicks cells }
    signals(first: 20) { id kind sessionId ts selector text }
  }
}`;

const RESULTS = `
  shown dismissed answered responseRatePercent
  question { questionId type answered average satisfiedPercent nps promoters passives detractors
             choices { id text count percent } distribution { value count } }`;

export const PAGE_SURVEYS = `
query PageSurveys($siteId: String!, $from: DateTime, $to: DateTime) {
  surveys(siteId: $siteId, first: 50) {
    id name status
    results(from: $from, to: $to) { byPage { key ${RESULTS} } }
  }
}`;

export const SHORTLIST = `
query Shortlist($siteId: String!, $range: DateRange!) {
  replayShortlist(siteId: $siteId, range: $range, first: 20, perGroup: 5) {
    template element pattern reason size
    representative { id startedAt score }
    sessions { id startedAt score device }
  }
}`;

export const SESSION = `
query Replay($id: ID!) {
  session(id: $id) {
    id siteId startedAt endedAt windowCount eventCount device browser score
    pageViews { id windowId path template startedAt }
    signals(includeFalsePositives: false) { id kind ts endTs selector text pageViewId }
    surveyResponses { id surveyId submittedAt template negative }
    replay(first: 500) { id windowId seq events }
  }
}`;

const AUDIT_GROUP = `key chunks redactions byEntity { name count } byFieldKind { name count }`;

export const AUDIT = `
query Audit($siteId: String, $range: DateRange!) {
  redactionAudit(range: $range, siteId: $siteId) {
    chunks timeouts
    byEntity { name count }
    byFieldKind { name count }
    byOperator { name count }
    byDay { ${AUDIT_GROUP} }
    bySession(first: 20) { ${AUDIT_GROUP} }
    policies { version hash firstDay lastDay chunks }
  }
}`;

const QUESTION = `id type texts { lang text } choices { id texts { lang text } } minValue maxValue`;
const SURVEY = `
  id siteId name status defaultLanguage languages samplePercent createdAt updatedAt startsAt endsAt
  question { ${QUESTION} }
  followUp { minValue maxValue choiceIds question { ${QUESTION} } }
  rules { kind value exclude }
  trigger { kind seconds signal }
  caps { perSession perVisitor perVisitorDays }`;

export const SURVEYS = `
query Surveys($siteId: String!) {
  surveys(siteId: $siteId, first: 50) { ${SURVEY} results { shown answered responseRatePercent } }
}`;

export const SURVEY_DETAIL = `
query Survey($id: ID!, $from: DateTime, $to: DateTime) {
  survey(id: $id) {
    ${SURVEY}
    results(from: $from, to: $to) {
      ${RESULTS}
      byPage { key shown answered responseRatePercent }
      byDay { key shown answered responseRatePercent }
    }
  }
}`;

export const CREATE_SURVEY = `
mutation CreateSurvey($siteId: String!, $input: SurveyInput!) {
  createSurvey(siteId: $siteId, input: $input) { id status }
}`;

export const UPDATE_SURVEY = `
mutation UpdateSurvey($id: ID!, $input: SurveyInput!) { updateSurvey(id: $id, input: $input) { id } }`;

export const PAUSE_SURVEY = `mutation Pause($id: ID!) { pauseSurvey(id: $id) { id status } }`;

export const SET_SURVEY_STATUS = `
mutation SetStatus($id: ID!, $status: SurveyStatus!) { setSurveyStatus(id: $id, status: $status) { id status } }`;
