/** The parts of Confluence's REST responses the connector reads (Cloud v2, Data Center v1). */
export interface CursorPage<T> {
  results: T[];
  _links?: { next?: string; base?: string };
}

export interface V2Version {
  createdAt: string;
  message?: string;
  number: number;
  minorEdit?: boolean;
  authorId?: string;
}

export interface V2Space {
  id: string;
  key: string;
  name: string;
  type: string;
  status: string;
  authorId?: string;
  createdAt?: string;
  homepageId?: string | null;
  _links?: { webui?: string };
}

export interface V2Content {
  id: string;
  status: string;
  title: string;
  spaceId: string;
  parentId?: string | null;
  parentType?: string | null;
  authorId?: string;
  ownerId?: string;
  createdAt: string;
  version: V2Version;
  body?: { storage?: { representation: string; value: string } };
  _links?: { webui?: string; editui?: string; tinyui?: string };
}

export interface V2FooterComment {
  id: string;
  status: string;
  title?: string;
  pageId?: string;
  blogPostId?: string;
  parentCommentId?: string;
  version: V2Version;
  body?: { storage?: { representation: string; value: string } };
  _links?: { webui?: string };
}

/** One entry of `GET /footer-comments/{id}/versions` (a CommentVersion). */
export interface V2CommentVersion extends V2Version {
  comment?: { id: string };
}

export interface V2Label {
  id: string;
  name: string;
  prefix: string;
}

export interface V2User {
  accountId: string;
  accountType?: string;
  displayName?: string;
  publicName?: string;
  email?: string;
}

/** Data Center v1 `start`/`limit` pages with a `_links.next`. */
export interface OffsetPage<T> {
  results: T[];
  start: number;
  limit: number;
  size: number;
  /** CQL searches (`/rest/api/content/search`): every match, all pages together. */
  totalSize?: number;
  _links?: { next?: string; base?: string; context?: string; self?: string };
}

export interface V1User {
  type?: string;
  username?: string;
  userKey?: string;
  displayName?: string;
  email?: string;
}

export interface V1Space {
  id: number;
  key: string;
  name: string;
  type: string;
  status?: string;
  homepage?: { id: string; _links?: { webui?: string } };
  history?: { createdBy?: V1User; createdDate?: string };
  _links?: { webui?: string };
}

export interface V1Content {
  id: string;
  type: "page" | "blogpost" | "comment";
  status: string;
  title: string;
  space?: { key: string };
  history?: { createdBy?: V1User; createdDate?: string; lastUpdated?: { by?: V1User; when?: string; message?: string; number?: number } };
  version?: { by?: V1User; when: string; message?: string; number: number };
  ancestors?: { id: string; type: string }[];
  container?: { id: string; type: string };
  body?: { storage?: { value: string; representation: string } };
  metadata?: { labels?: { results: { prefix: string; name: string; id: string }[] } };
  extensions?: { location?: string };
  _links?: { webui?: string };
}
