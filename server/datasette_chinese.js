// Datasette's own interface in Chinese, with a header button that switches to English.
//
// Datasette 0.65 writes its buttons, filter choices, row counts and footer in
// English. The plugin inlines this script at the end of every Datasette page.
// When the language is Chinese it rewrites those texts in place. When it is
// English it puts the English of Genzong's metadata (titles, descriptions,
// column descriptions and the views' and queries' Chinese column names) in
// place of the Chinese. The choice is
// the one the PWA stores under "genzong.language" on this origin, so switching
// either one switches both. Only visible texts change: links, form field names
// and the values a form sends stay as Datasette wrote them. A text this script
// does not know stays as it is, and the rows, facet values and SQL are data,
// which it never touches.
(() => {
  const STORAGE_KEY = 'genzong.language';
  // Filled in by the plugin: {"database": {name: title}, "databaseEnglish": {name: English title},
  // "tables": {name: title}}.
  const NAMES = __GENZONG_NAMES__;
  // Filled in per page by the plugin (datasette_english.py), with only what the page can show:
  // {"name": table or query, "title", "description", "notes": {column: description},
  // "columns": {column: English name}, "titles": {name: title}, "descriptions": {query: description}}.
  const ENGLISH = __GENZONG_ENGLISH__;

  // Regions that hold data, SQL or metadata text rather than Datasette's own words.
  // A query's error message is not one of them, because Datasette writes some of its own there.
  // SQLite's messages match no text here and stay English.
  const DATA_REGIONS = 'table.rows-and-columns, .facet-results, pre, code, textarea, .CodeMirror, ' +
    '.metadata-description, dl.column-descriptions, .actor, .db-table > p > em, form.sql label';

  const TEXTS = new Map(Object.entries({
    'Menu': '菜单',
    'Log out': '退出登录',
    'Table actions': '表操作',
    'Search:': '搜索：',
    '- remove filter -': '- 移除条件 -',
    '- column -': '- 选择列 -',
    'Sort...': '排序…',
    'Apply': '应用',
    'View and edit SQL': '查看和编辑 SQL',
    'This data as': '数据格式：',
    'Next page': '下一页',
    'Advanced export': '高级导出',
    'JSON shape:': 'JSON 格式：',
    'CSV options:': 'CSV 选项：',
    'Export CSV': '导出 CSV',
    'Sort ascending': '升序排列',
    'Sort descending': '降序排列',
    'Facet by this': '按此列分组计数',
    'Hide this column': '隐藏此列',
    'Show all columns': '显示全部列',
    'Show not-blank rows': '只看此列不为空的行',
    'Remove this filter': '移除此条件',
    '(view)': '（视图）',
    'Format SQL': '格式化 SQL',
    'Edit SQL': '编辑 SQL',
    'Query parameters': '查询参数',
    'Queries': '查询',
    'Tables': '数据表',
    'Views': '视图',
    '(hidden)': '（隐藏）',
    'Many rows': '行数未统计',
    '0 records': '没有符合条件的记录',
    'Links from other tables': '其他表中指向此行的记录',
    'Powered by': '基于',
    'Data license:': '数据许可：',
    'Data source:': '数据来源：',
    'About:': '关于：',
    'Table not found': '找不到该表或视图',
    'Record not found': '找不到该记录',
    'Database not found': '找不到该数据库',
    'Invalid SQL': 'SQL 无效',
    'Statement must be a SELECT': '只能运行 SELECT 查询语句',
    '_size must be a positive integer': '_size（每页行数）必须是正整数',
  }));

  // Short words that are Datasette's only inside one kind of element.
  const SCOPED_TEXTS = [
    ['.crumbs', {'home': '首页'}],
    ['.filter-op option', {
      'contains': '包含', 'ends with': '结尾是', 'starts with': '开头是',
      'like': '匹配 like', 'not like': '不匹配 like', 'glob': '匹配 glob',
      'in': '是以下之一（逗号分隔）', 'not in': '不是以下任何一个（逗号分隔）',
      'array contains': '数组包含', 'array does not contain': '数组不包含',
      'date': '日期为', 'is null': '未填写（null）', 'is not null': '已填写（非 null）',
      'is blank': '为空或未填写', 'is not blank': '有内容',
    }],
    ['label.sort_by_desc', {'descending': '降序'}],
    ['.export-links', {'advanced': '高级选项'}],
    ['.advanced-export', {
      'default': '默认', 'array': '数组', 'newline-delimited': '每行一条', 'object': '对象',
      'download file': '下载为文件', 'expand labels': '显示外键的名称', 'stream all rows': '导出全部行（不止本页）',
    }],
    ['.show-hide-sql', {'hide': '隐藏 SQL', 'show': '显示 SQL'}],
    ['.extra-wheres', {'remove': '移除'}],
  ];

  // Texts with numbers or names in them: [pattern, replacement function].
  const PATTERNS = [
    [/^(.+) \(view\)(.*)$/, (m) => `${m[1]}（视图）${m[2]}`],
    [/^· Queries took ([\d.]+)ms$/, (m) => `· 查询用时 ${m[1]} 毫秒`],
    [/^Sort by (.+)$/, (m) => `按 ${m[1]} 排序`],
    [/^Type: (.+)$/, (m) => `类型：${m[1]}`],
    [/^([\d,]+) rows?$/, (m) => `${m[1]} 行`],
    [/^>([\d,]+) rows$/, (m) => `超过 ${m[1]} 行`],
    [/^_size must be <= (\d+)$/, (m) => `_size（每页行数）不能大于 ${m[1]}`],
    [/^Error (\d+)$/, (m) => `错误 ${m[1]}`],
    [/^Cannot sort table by (.+)$/, (m) => `不能按 ${m[1]} 排序：没有这一列，或这一列不能排序`],
    [/^These facets timed out: (.+)$/, (m) => `以下分组计数超时，未显示：${m[1].split(', ').join('、')}`],
    [/^(\d+) extra where clauses?$/, (m) => `${m[1]} 个附加 where 条件`],
    [/^from (.+) in (.+)$/, (m) => `（${tableTitle(m[2])}的 ${m[1]} 列）`],
    [/^Custom SQL query(?: returning (more than )?([\d,]+) rows?)?$/, (m) => describeQuery(m[1], m[2])],
    [/^\.\.\. and$/, () => '……另有'],
    [/^Run SQL$/, () => (isCannedQuery() ? '查询' : '运行 SQL')],
    [/^0 results$/, () => (searchNotStarted() ? '输入要找的字、词或电话号码片段，再点“查询”。' : '没有结果')],
    [/^([\d,]+) hidden tables?$/, (m) => `${m[1]} 个隐藏表`],
    [/^[\d,]+ rows in .*|^\d+ tables?(, .*)?$|^[\d,]+ views?$/, (m) => describeDatabase(m[0])],
  ];

  function storedLanguage() {
    try {
      return localStorage.getItem(STORAGE_KEY);
    } catch {
      return null;
    }
  }

  function tableTitle(name) {
    return NAMES.tables[name] ?? name;
  }

  // A canned query's page has the class query-<name>, and its SQL is not the reader's.
  function isCannedQuery() {
    return [...document.body.classList].some((name) => name.startsWith('query-'));
  }

  // The search page before a keyword is entered, where Datasette writes "0 results".
  function searchNotStarted() {
    const keyword = document.querySelector('body.query-search input[name="关键词"]');
    return keyword !== null && keyword.value.trim() === '';
  }

  // The query page's heading.
  function describeQuery(moreThan, count) {
    const canned = isCannedQuery();
    const title = canned ? '查询结果' : '自定义 SQL 查询';
    if (!count) return title;
    return `${title}：${moreThan ? '超过 ' : ''}${count} 行`;
  }

  // "1,234 rows in 20 tables, 56 rows in 3 hidden tables, 12 views" from the home page.
  function describeDatabase(text) {
    const parts = text.split(', ').map((part) => {
      let m = /^(?:([\d,]+) rows in )?(\d+) (hidden )?tables?$/.exec(part);
      if (m) {
        const tables = `${m[2]} 个${m[3] ? '隐藏' : ''}表`;
        return m[1] ? `${tables}共 ${m[1]} 行` : tables;
      }
      m = /^([\d,]+) views?$/.exec(part);
      return m ? `${m[1]} 个视图` : null;
    });
    return parts.includes(null) ? null : parts.join('，');
  }

  // Python's json.dumps of a list: ", " between items and \uXXXX for every non-ASCII character.
  function pythonJson(values) {
    return '[' + values.map((value) => JSON.stringify(String(value))
      .replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))).join(', ') + ']';
  }

  function inValues(value) {
    if (value.startsWith('[')) {
      try {
        return JSON.parse(value);
      } catch {
        return null;
      }
    }
    return value.split(',').map((item) => item.trim());
  }

  // Each lookup as Datasette 0.65 describes it in English (datasette/filters.py), and in Chinese.
  const LOOKUPS = {
    exact: (c, v) => [/^\d+$/.test(v) ? `${c} = ${v}` : `${c} = "${v}"`, `${c} = “${v}”`],
    not: (c, v) => [/^\d+$/.test(v) ? `${c} != ${v}` : `${c} != "${v}"`, `${c} ≠ “${v}”`],
    contains: (c, v) => [`${c} contains "${v}"`, `${c} 包含 “${v}”`],
    endswith: (c, v) => [`${c} ends with "${v}"`, `${c} 以 “${v}” 结尾`],
    startswith: (c, v) => [`${c} starts with "${v}"`, `${c} 以 “${v}” 开头`],
    gt: (c, v) => [`${c} > ${v}`, `${c} > ${v}`],
    gte: (c, v) => [`${c} ≥ ${v}`, `${c} ≥ ${v}`],
    lt: (c, v) => [`${c} < ${v}`, `${c} < ${v}`],
    lte: (c, v) => [`${c} ≤ ${v}`, `${c} ≤ ${v}`],
    like: (c, v) => [`${c} like "${v}"`, `${c} 匹配 like “${v}”`],
    notlike: (c, v) => [`${c} not like "${v}"`, `${c} 不匹配 like “${v}”`],
    glob: (c, v) => [`${c} glob "${v}"`, `${c} 匹配 glob “${v}”`],
    in: (c, v) => {
      const values = inValues(v);
      return values && [`${c} in ${pythonJson(values)}`, `${c} 是 ${values.join('、')} 之一`];
    },
    notin: (c, v) => {
      const values = inValues(v);
      return values && [`${c} not in ${pythonJson(values)}`, `${c} 不是 ${values.join('、')} 中的任何一个`];
    },
    arraycontains: (c, v) => [`${c} contains "${v}"`, `${c} 包含 “${v}”`],
    arraynotcontains: (c, v) => [`${c} does not contain "${v}"`, `${c} 不包含 “${v}”`],
    date: (c, v) => [`"${c}" is on date ${v}`, `${c} 为 ${v} 当天`],
    isnull: (c) => [`${c} is null`, `${c} 未填写`],
    notnull: (c) => [`${c} is not null`, `${c} 已填写`],
    isblank: (c) => [`${c} is blank`, `${c} 为空或未填写`],
    notblank: (c) => [`${c} is not blank`, `${c} 有内容`],
  };

  // Orders [key, value] pairs as Python sorts tuples of strings, except that JavaScript
  // compares UTF-16 code units, so a name with characters beyond U+FFFF may sort differently.
  function comparePairs([keyA, valueA], [keyB, valueB]) {
    if (keyA !== keyB) return keyA < keyB ? -1 : 1;
    if (valueA !== valueB) return valueA < valueB ? -1 : 1;
    return 0;
  }

  // The page's filters as [English, Chinese] pairs, in the order Datasette lists them:
  // the search first, then the query's column filters sorted by name and value.
  // label(column) is the name that the descriptions give each column.
  function filterDescriptions(label = (column) => column) {
    const params = new URLSearchParams(location.search);
    const descriptions = [];
    const search = (params.get('_search') ?? '').trim();
    if (search) descriptions.push([`search matches "${search}"`, `搜索“${search}”`]);
    const pairs = [...params].filter(([key]) => !(key.startsWith('_') && !key.includes('__')));
    pairs.sort(comparePairs);
    for (const [key, value] of pairs) {
      const split = key.lastIndexOf('__');
      const [column, lookup] = split < 0 ? [key, 'exact'] : [key.slice(0, split), key.slice(split + 2)];
      const pair = Object.hasOwn(LOOKUPS, lookup) ? LOOKUPS[lookup](label(column), value) : null;
      if (pair) descriptions.push(pair);
    }
    return descriptions;
  }

  // Datasette's "where a = "1", b > 2 and c is null" for a list of conditions.
  function whereClause(conditions) {
    const joined = conditions.length > 1 ? `${conditions.slice(0, -1).join(', ')} and ${conditions.at(-1)}` : conditions.join('');
    return `where ${joined}`;
  }

  // "where a = "1", b > 2 and c is null" in Chinese, or null when it is not the one the URL's filters give.
  function describeWhere(text) {
    const descriptions = filterDescriptions();
    if (text !== whereClause(descriptions.map(([en]) => en))) return null;
    return '条件：' + descriptions.map(([, zh]) => zh).join('，');
  }

  // The table page's "157 rows where 负责人 = "张伟" sorted by 时间戳 descending".
  function describeRows(text) {
    const parts = [];
    let rest = text;
    const count = /^([\d,]+) rows?(?: |$)/.exec(rest);
    if (count) {
      parts.push(`共 ${count[1]} 行`);
      rest = rest.slice(count[0].length);
    }
    const sort = /(?:^| )sorted by (.+?)( descending)?$/.exec(rest);
    if (sort) rest = rest.slice(0, sort.index);
    // A condition this script cannot describe (an unknown filter) stays English.
    if (rest) parts.push(describeWhere(rest) ?? rest);
    if (sort) parts.push(`按 ${sort[1]} ${sort[2] ? '降序' : '升序'}排列`);
    return parts.join('；');
  }

  function translated(text, element) {
    if (TEXTS.has(text)) return TEXTS.get(text);
    for (const [selector, texts] of SCOPED_TEXTS) {
      if (Object.hasOwn(texts, text) && element.closest(selector)) return texts[text];
    }
    if (element.closest('.crumbs')) {
      if (Object.hasOwn(NAMES.database, text)) return NAMES.database[text];
      if (Object.hasOwn(NAMES.tables, text)) return NAMES.tables[text];
    }
    if (element.matches('.db-table > h3 > a, #views + ul > li > a') && Object.hasOwn(NAMES.tables, text)) {
      return `${NAMES.tables[text]}（${text}）`;
    }
    if (document.body.classList.contains('row') && element.matches('section.content > h1')) {
      const name = text.split(': ')[0];
      if (Object.hasOwn(NAMES.tables, name)) return `${NAMES.tables[name]}：${text.slice(name.length + 2)}`;
    }
    if (element.matches('section.content > h3') && /\brows?\b|^where |^sorted by /.test(text)) {
      return describeRows(text);
    }
    for (const [pattern, replace] of PATTERNS) {
      const m = pattern.exec(text);
      if (m) return replace(m);
    }
    return null;
  }

  function translateTextNode(node) {
    const element = node.parentElement;
    if (!element || element.closest(DATA_REGIONS) || element.closest('script, style')) return;
    const text = node.data.replace(/\s+/g, ' ').trim();
    if (!/[A-Za-z]/.test(text)) return;
    const result = translated(text, element);
    if (!result) return;
    // A function, so a $ in a filter value is not read as a replacement pattern.
    node.data = node.data.replace(/\S[\s\S]*\S|\S/, () => result);
    // A full-width colon needs no space after it.
    if (result.endsWith('：')) node.data = node.data.replace(/：\s+$/, '：');
  }

  function translateAttributes(element) {
    if (element.closest(DATA_REGIONS)) return;
    for (const name of ['aria-label', 'title', 'placeholder']) {
      const value = element.getAttribute(name);
      if (value && TEXTS.has(value)) element.setAttribute(name, TEXTS.get(value));
    }
    if (element.matches('input[type=submit], input[type=button]') && /[A-Za-z]/.test(element.value)) {
      const result = translated(element.value, element);
      if (result) element.value = result;
    }
    if (element.matches('a[title]') && /^[\d,]+ rows?$/.test(element.title)) {
      element.title = element.title.replace(/ rows?$/, ' 行');
    }
  }

  // Datasette separates links with ", " and puts "( )" around some; Chinese uses 、 and （）.
  const PUNCTUATED = '.export-links, .advanced-export p, .show-hide-sql, body.row section.content > p';

  function punctuate(container) {
    for (const node of container.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE || /[A-Za-z]/.test(node.data)) continue;
      node.data = node.data.replace(/\s*,\s*/g, '、').replace(/\s*\(\s*/g, '（').replace(/\s*\)\s*/g, '）');
    }
  }

  function translateTree(root) {
    if (root.nodeType === Node.TEXT_NODE) {
      translateTextNode(root);
      return;
    }
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    translateAttributes(root);
    root.querySelectorAll('[aria-label], [title], [placeholder], input').forEach(translateAttributes);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) translateTextNode(node);
    if (root.matches(PUNCTUATED)) punctuate(root);
    root.querySelectorAll(PUNCTUATED).forEach(punctuate);
  }

  function translateTitle() {
    const heading = document.querySelector('section.content > h3');
    const h1 = document.querySelector('.page-header h1');
    if (document.body.classList.contains('table') && h1) {
      // A page asked for with _nocount has no row count heading.
      const title = h1.textContent.replace(/（视图）|🔒/g, '').trim();
      document.title = heading ? `${title} · ${heading.textContent.trim()}` : title;
    } else if (document.body.classList.contains('row')) {
      document.title = document.querySelector('section.content > h1').textContent.replace('🔒', '').trim();
    } else if (TEXTS.has(document.title)) {
      document.title = TEXTS.get(document.title);
    } else if (/^Error \d+$/.test(document.title)) {
      document.title = document.title.replace('Error', '错误');
    } else {
      // The database page's title is the database's name, and a query page's is "name · 跟踪".
      const name = document.title.split(' · ')[0];
      if (Object.hasOwn(NAMES.database, name)) document.title = NAMES.database[name] + document.title.slice(name.length);
    }
  }

  // English pages keep Datasette's words and show Genzong's metadata in English: the functions
  // below change only headings and labels, never a cell, a facet value or a value a form sends.

  function englishColumn(name) {
    return Object.hasOwn(ENGLISH.columns ?? {}, name) ? ENGLISH.columns[name] : name;
  }

  // Replaces the first occurrence of `name` in the first text node of `element` that contains it.
  function renameText(element, name, english) {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = node.data.indexOf(name);
      if (at < 0) continue;
      node.data = node.data.slice(0, at) + english + node.data.slice(at + name.length);
      return;
    }
  }

  // A page heading's title, keeping Datasette's " (view)" and " 🔒" after it.
  function retitleHeading(heading, title) {
    const node = heading?.firstChild;
    if (!title || !node || node.nodeType !== Node.TEXT_NODE) return;
    const suffix = /(?: \(view\))?(?: 🔒)?\s*$/.exec(node.data)[0];
    node.data = title + suffix;
  }

  function describeInEnglish() {
    const description = document.querySelector('section.content > .metadata-description');
    if (description && ENGLISH.description) description.textContent = ENGLISH.description;
    document.querySelectorAll('dl.column-descriptions > dt').forEach((term) => {
      const name = term.textContent;
      const note = term.nextElementSibling;
      if (note?.tagName === 'DD' && Object.hasOwn(ENGLISH.notes ?? {}, name)) note.textContent = ENGLISH.notes[name];
      term.textContent = englishColumn(name);
    });
  }

  // The result table's headers, and the names that narrow screens show before each cell.
  function nameHeadersInEnglish() {
    const rules = [];
    document.querySelectorAll('table.rows-and-columns > thead > tr > th').forEach((header, index) => {
      const name = header.dataset.column ?? header.textContent.trim();
      const description = ENGLISH.notes?.[name];
      if (header.dataset.columnDescription && description) header.dataset.columnDescription = description;
      const english = englishColumn(name);
      if (english === name) return;
      renameText(header, name, english);
      rules.push(`.rows-and-columns td:nth-of-type(${index + 1}):before { content: ${JSON.stringify(english)}; }`);
    });
    if (!rules.length) return;
    const style = document.createElement('style');
    style.textContent = `@media only screen and (max-width: 576px) { ${rules.join(' ')} }`;
    document.head.append(style);
  }

  function nameFormInEnglish() {
    // An option without a value sends its text, so it keeps that text as its value.
    document.querySelectorAll('form.filters select[name^="_filter_column"] option:not([value])').forEach((option) => {
      const name = option.textContent;
      option.value = name;
      option.textContent = englishColumn(name);
    });
    document.querySelectorAll('form.filters select[name="_sort"] option[value]').forEach((option) => {
      if (option.value) option.textContent = `Sort by ${englishColumn(option.value)}`;
    });
    document.querySelectorAll('.facet-info[data-column] > .facet-info-name > strong').forEach((heading) => {
      const name = heading.closest('.facet-info').dataset.column;
      renameText(heading, name, englishColumn(name));
    });
    const timedOut = document.querySelector('.facets-timed-out');
    const m = timedOut && /^These facets timed out: (.+)$/.exec(timedOut.textContent.trim());
    if (m) timedOut.textContent = `These facets timed out: ${m[1].split(', ').map(englishColumn).join(', ')}`;
    if (isCannedQuery()) {
      document.querySelectorAll('form.sql label[for]').forEach((label) => {
        label.textContent = englishColumn(label.textContent.trim());
      });
    }
  }

  // The table page's "157 rows where 负责人 = "张伟" sorted by 时间戳 descending" with English column
  // names. Conditions that differ from what the URL's filters give keep Datasette's text.
  function describeRowsInEnglish(text) {
    let rest = text;
    const count = /^[\d,]+ rows?(?: |$)/.exec(rest)?.[0] ?? '';
    rest = rest.slice(count.length);
    const sort = /(?:^| )sorted by (.+?)( descending)?$/.exec(rest);
    if (sort) rest = rest.slice(0, sort.index);
    let where = rest;
    if (rest && rest === whereClause(filterDescriptions().map(([en]) => en))) {
      where = whereClause(filterDescriptions(englishColumn).map(([en]) => en));
    }
    const sorted = sort ? `sorted by ${englishColumn(sort[1])}${sort[2] ?? ''}` : '';
    return [count.trim(), where, sorted].filter(Boolean).join(' ');
  }

  function nameDatabasePageInEnglish() {
    const titles = ENGLISH.titles ?? {};
    document.querySelectorAll('.db-table > h3 > a, #views + ul > li > a').forEach((link) => {
      const name = link.textContent.trim();
      if (Object.hasOwn(titles, name) && titles[name] !== name) link.textContent = `${titles[name]} (${name})`;
    });
    document.querySelectorAll('#queries + ul > li > a').forEach((link) => {
      const name = decodeURIComponent(new URL(link.href).pathname.split('/').pop());
      if (Object.hasOwn(titles, name)) link.textContent = titles[name];
      if (ENGLISH.descriptions?.[name]) link.title = ENGLISH.descriptions[name];
    });
  }

  // The custom SQL page, which has no metadata of its own, is headed with the database's title.
  function nameSqlPageInEnglish() {
    if (!document.body.classList.contains('query')) return;
    const heading = document.querySelector('.page-header h1, section.content > h1');
    for (const [database, title] of Object.entries(NAMES.database)) {
      if (heading?.textContent.trim() !== title) continue;
      heading.textContent = NAMES.databaseEnglish[database];
      document.title = `${heading.textContent} · Genzong`;
    }
  }

  function translateMetadata() {
    document.querySelectorAll('.crumbs a').forEach((link) => {
      const name = link.textContent.trim();
      if (Object.hasOwn(NAMES.databaseEnglish, name)) link.textContent = NAMES.databaseEnglish[name];
      else if (name === ENGLISH.name && ENGLISH.title) link.textContent = ENGLISH.title;
    });
    if (!ENGLISH.title) {
      nameSqlPageInEnglish();
      return;
    }
    const body = document.body.classList;
    const heading = document.querySelector('.page-header h1, section.content > h1');
    if (body.contains('row')) {
      if (!heading.textContent.startsWith(`${ENGLISH.name}: `)) return;
      heading.textContent = ENGLISH.title + heading.textContent.slice(ENGLISH.name.length);
      document.title = heading.textContent.replace('🔒', '').trim();
      return;
    }
    retitleHeading(heading, ENGLISH.title);
    describeInEnglish();
    if (body.contains('db')) {
      nameDatabasePageInEnglish();
      document.title = ENGLISH.title;
    } else if (body.contains('index')) {
      document.querySelectorAll('section.content > h2 > a').forEach((link) => {
        const name = link.textContent.trim();
        if (Object.hasOwn(NAMES.databaseEnglish, name)) link.textContent = NAMES.databaseEnglish[name];
      });
      document.title = ENGLISH.title;
    } else if (body.contains('table')) {
      nameHeadersInEnglish();
      nameFormInEnglish();
      // A page asked for with _nocount has no row count heading.
      const count = document.querySelector('section.content > h3');
      if (count) count.textContent = describeRowsInEnglish(count.textContent.replace(/\s+/g, ' ').trim());
      document.title = count ? `${ENGLISH.title} · ${count.textContent}` : ENGLISH.title;
    } else if (isCannedQuery()) {
      nameHeadersInEnglish();
      nameFormInEnglish();
      document.title = `${ENGLISH.title} · Genzong`;
    }
  }

  function addLanguageButton(language) {
    const nav = document.querySelector('header nav');
    if (!nav) return;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'genzong-language';
    button.lang = language === 'en' ? 'zh-CN' : 'en';
    button.textContent = language === 'en' ? '中文' : 'English';
    button.addEventListener('click', () => {
      try {
        localStorage.setItem(STORAGE_KEY, language === 'en' ? 'zh' : 'en');
      } catch {
        // Without localStorage the page cannot remember the choice, so it stays as it is.
        return;
      }
      location.reload();
    });
    const style = document.createElement('style');
    style.textContent = '.genzong-language { float: right; margin-left: 1em; padding: 0; border: 0; background: none;' +
      ' color: inherit; font: inherit; text-decoration: underline; cursor: pointer; }';
    document.head.append(style);
    nav.prepend(button);
  }

  // Genzong's error pages (those with .genzong-message paragraphs) are titled "中文 · English" so that a
  // browser without this script shows both: keep the half in the page's language.
  function errorTitleInLanguage(language) {
    const heading = document.querySelector('section.content > h1');
    if (!heading || !document.querySelector('.genzong-message[lang]')) return;
    const halves = heading.textContent.trim().split(' · ');
    if (halves.length !== 2) return;
    heading.textContent = language === 'en' ? halves[1] : halves[0];
    document.title = heading.textContent;
  }

  const language = storedLanguage() === 'en' ? 'en' : 'zh';
  document.documentElement.lang = language === 'en' ? 'en' : 'zh-CN';
  try {
    addLanguageButton(language);
    // Genzong's refusal pages, links and 合计 lines write their words in both languages: show the page's own.
    document.querySelectorAll('.genzong-message[lang], .genzong-text[lang]').forEach((element) => {
      element.hidden = !element.lang.startsWith(language);
    });
    errorTitleInLanguage(language);
    if (language === 'en') {
      translateMetadata();
      return;
    }
    translateTree(document.body);
    translateTitle();
  } finally {
    // The plugin's stylesheet hides the page until this class is set.
    document.documentElement.classList.add('genzong-ready');
  }
  // Datasette's table.js adds the column menu and the filters' remove buttons after this script runs.
  new MutationObserver((records) => {
    for (const record of records) record.addedNodes.forEach(translateTree);
  }).observe(document.body, {childList: true, subtree: true});
})();
